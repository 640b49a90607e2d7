// The backup server's htpasswd file, as far as Aare writes it: one login per customer, each line
// of Aare's preceded by its marker comment (`# aare:backup.login.<customer>`). Lines without a
// marker are someone else's and are kept byte for byte. Every change is an atomic rewrite
// (write a temporary file beside it, fsync, rename), keeping the file's mode, so the server never
// reads half a file; rclone re-reads the file when its modification time changes.
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmod, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const MARKER_PREFIX = '# aare:';

/**
 * `{SHA}` (base64 SHA-1), which both rclone and restic's rest-server accept. Salt and a slow hash
 * guard passwords people choose; these are 256-bit random strings, which no dictionary or
 * precomputed table reaches, and a deterministic hash lets refresh compare without the plaintext.
 */
export function htpasswdHash(password: string): string {
  return `{SHA}${createHash('sha1').update(password).digest('base64')}`;
}

/** Whether an htpasswd hash is `password`'s; only `{SHA}` hashes can be checked (others: false). */
export function hashMatches(hash: string, password: string): boolean {
  if (!hash.startsWith('{SHA}')) return false;
  const a = Buffer.from(hash);
  const b = Buffer.from(htpasswdHash(password));
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface HtpasswdLogin {
  user: string;
  hash: string;
  /** Written by Aare (the line follows its marker comment). */
  owned: boolean;
}

/** The logins of the file's text, in order; comments and blank lines are not logins. */
export function parseHtpasswd(text: string): HtpasswdLogin[] {
  const out: HtpasswdLogin[] = [];
  let marked: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#')) {
      marked = line.startsWith(MARKER_PREFIX) ? line.slice(MARKER_PREFIX.length).trim() : undefined;
      continue;
    }
    const i = line.indexOf(':');
    if (i > 0) {
      const user = line.slice(0, i);
      out.push({ user, hash: line.slice(i + 1), owned: marked === `backup.login.${user}` });
    }
    marked = undefined;
  }
  return out;
}

/**
 * The text with Aare's login of `user` set to `hash` (appended when absent) or removed
 * (`hash` undefined). Only a marked line and its marker are replaced or removed; an unmarked line
 * of the same user is left alone (the caller refuses that case before).
 */
export function withLogin(text: string, user: string, hash: string | undefined): string {
  const marker = `${MARKER_PREFIX}backup.login.${user}`;
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const out: string[] = [];
  let done = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const next = lines[i + 1];
    if (line.trim() === marker && next !== undefined && next.startsWith(`${user}:`)) {
      if (hash !== undefined && !done) out.push(marker, `${user}:${hash}`);
      done = true;
      i++;
      continue;
    }
    out.push(line);
  }
  if (hash !== undefined && !done) out.push(marker, `${user}:${hash}`);
  return out.length === 0 ? '' : out.join('\n') + '\n';
}

export async function readHtpasswd(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Replaces the file's content atomically, keeping its mode (0600 for a new file). */
export async function writeHtpasswd(file: string, text: string): Promise<void> {
  let mode = 0o600;
  try {
    mode = (await stat(file)).mode & 0o777;
  } catch {
    // a new file: private by default
  }
  const tmp = join(dirname(file), `.${basename(file)}.aare-${process.pid}-${Date.now()}`);
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await chmod(tmp, mode);
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
