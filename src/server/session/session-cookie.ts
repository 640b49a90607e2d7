// The portal's cookies (docs/portal.md): HttpOnly (no script reads them), Secure (browsers also
// keep Secure cookies of http://localhost and http://127.0.0.1), SameSite=Lax (a cross-site page
// cannot send them with a POST; Lax, not Strict, so that the redirect back from the OpenID Connect
// provider arrives logged in), Path=/.
export const SESSION_COOKIE = 'aare_session';
export const LOGIN_COOKIE = 'aare_login';

/** The value of one cookie of a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{1,100}$/.test(v) ? v : undefined;
    }
  }
  return undefined;
}

export function setCookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Lax`;
}

export function clearCookie(name: string): string {
  return `${name}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`;
}
