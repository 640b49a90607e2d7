// API tokens and local passwords (docs/access.md). A token is `aare_` + 36 random base62
// characters + a 6-character CRC32 checksum, so secret scanners can recognise it and reject a
// typo without asking the store; the store keeps its first 12 random characters (to find it)
// and a sha256 of the whole token. Passwords are hashed with scrypt (memory-hard, in Node).
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = 'aare_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_CHARS = 36;
const CHECK_CHARS = 6;
const ID_CHARS = 12;

function base62(bytes: Buffer, length: number): string {
  let n = BigInt(`0x${bytes.toString('hex') || '0'}`);
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(n % 62n)]! + out;
    n /= 62n;
  }
  return out;
}

function checksum(body: string): string {
  // CRC32, as GitHub's tokens carry: enough to catch a typo or a truncated copy
  let crc = 0xffffffff;
  for (const byte of Buffer.from(body)) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  const b = Buffer.alloc(4);
  b.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return base62(b, CHECK_CHARS);
}

export interface NewToken {
  token: string;
  id: string;
  hash: string;
}

export function newToken(): NewToken {
  // 27 bytes = 216 bits, more than 36 base62 characters hold (214 bits): every character random
  const body = base62(randomBytes(27), RANDOM_CHARS);
  const token = `${TOKEN_PREFIX}${body}${checksum(body)}`;
  return { token, id: body.slice(0, ID_CHARS), hash: tokenHash(token) };
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The token's id when it is well-formed (prefix, length, alphabet, checksum), else undefined. */
export function tokenIdOf(token: string): string | undefined {
  if (!token.startsWith(TOKEN_PREFIX)) return undefined;
  const rest = token.slice(TOKEN_PREFIX.length);
  if (rest.length !== RANDOM_CHARS + CHECK_CHARS || !/^[0-9A-Za-z]+$/.test(rest)) return undefined;
  const body = rest.slice(0, RANDOM_CHARS);
  if (checksum(body) !== rest.slice(RANDOM_CHARS)) return undefined;
  return body.slice(0, ID_CHARS);
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

// scrypt cost: 2^15 x 8 x 128 B = 32 MiB per hash, about 100 ms on one core
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 };

function derive(password: string, salt: Buffer, o: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, 32, { ...o, maxmem: 128 * o.N * o.r * 2 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, key] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !key) return false;
  const want = Buffer.from(key, 'base64url');
  const got = await derive(password, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return got.length === want.length && timingSafeEqual(got, want);
}
