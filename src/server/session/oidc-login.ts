// Login through an OpenID Connect provider (docs/portal.md): the authorization code flow with
// PKCE, state and nonce, by openid-client. The provider's metadata is discovered once, on the
// first login, so that `aare serve` starts while the provider is down. An identity is mapped to
// the Aare user whose OIDC subject (`aare user add --oidc-subject`) equals the configured claim.
import * as oidc from 'openid-client';

export interface OidcOptions {
  /** The issuer URL; http only on a loopback address (a provider in a test or on the same host). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The ID token claim matched against a user's OIDC subject: `sub` (default), `email`, ... */
  claim?: string;
}

export interface OidcLogin {
  /** Where to send the browser, and what the callback must check. */
  start(redirectUri: string): Promise<{ url: string; state: string; nonce: string; codeVerifier: string }>;
  /** The claim's value of the identity the callback proves, or undefined when it proves none. */
  finish(
    callbackUrl: URL,
    checks: { state: string; nonce: string; codeVerifier: string },
  ): Promise<string | undefined>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function oidcLogin(opts: OidcOptions): OidcLogin {
  let config: Promise<oidc.Configuration> | undefined;
  const configuration = () => {
    const issuer = new URL(opts.issuer);
    const insecure = issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname);
    config ??= oidc
      .discovery(
        issuer,
        opts.clientId,
        opts.clientSecret,
        undefined,
        insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        // the next login discovers again: the provider may have been down
        config = undefined;
        throw err;
      });
    return config;
  };
  return {
    async start(redirectUri) {
      const c = await configuration();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(c, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { url: url.href, state, nonce, codeVerifier };
    },
    async finish(callbackUrl, checks) {
      const c = await configuration();
      const tokens = await oidc.authorizationCodeGrant(c, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) return undefined;
      const claim = opts.claim ?? 'sub';
      let value = claims[claim];
      // providers that follow the spec strictly put scope claims (email) only in the userinfo answer
      if (value === undefined && tokens.access_token)
        value = (await oidc.fetchUserInfo(c, tokens.access_token, claims.sub))[claim];
      return typeof value === 'string' && value !== '' ? value : undefined;
    },
  };
}
