// hiera-eyaml, as Puppet's `eyaml_lookup_key` uses it (docs/hiera-eyaml.md): which strings are
// encrypted, how their ENC[...] blocks are found, and PKCS7 (CMS EnvelopedData, RSA + AES-CBC,
// the format `eyaml` writes) and GPG blocks decrypted. The plaintext never leaves this module
// except as the return value; errors carry the messages hiera-eyaml gives, never plaintext.
import {
  X509Certificate,
  constants,
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  generateKeyPairSync,
  publicEncrypt,
  privateDecrypt,
  randomBytes,
  createHash,
  createSign,
  type KeyObject,
} from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  DerError,
  child,
  fail,
  children,
  der,
  integer,
  nullValue,
  octets,
  oid,
  oidText,
  readWhole,
  seq,
  set,
  type DerNode,
} from './hiera-der.js';

/** Key material of one eyaml level, paths absolute (the level's options, interpolated). */
export interface EyamlKeys {
  privateKey?: string;
  publicKey?: string;
  gnupghome?: string;
}

/** A block hiera-eyaml cannot decrypt; `message` is hiera-eyaml's "Error was ..." part. */
export class EyamlError extends Error {
  constructor(
    message: string,
    /** The block concerned (ciphertext only). */
    readonly block: string,
    /** `key`: the level's key files cannot be used (every block of the level fails alike);
     *  `tool`: the gpg program is not installed; `block`: this block does not decrypt. */
    readonly kind: 'block' | 'key' | 'tool' = 'block',
  ) {
    super(message);
    this.name = 'EyamlError';
  }
}

// eyaml_lookup_key's `encrypted?`: `.` does not cross a newline in Ruby, so a block split by
// newlines (YAML literal style) is not seen as encrypted and comes back verbatim.
const ENCRYPTED = /ENC\[[^\n]*?\]/;
// hiera_backend_parser's token: spaces and newlines inside the base64 are allowed (folded style)
const TOKEN = /ENC\[(\w+,)?([a-zA-Z0-9+/ =\n]+?)\]/g;

/** True when eyaml_lookup_key would try to decrypt this string. */
export function isEncrypted(s: string): boolean {
  return s.includes('ENC[') && ENCRYPTED.test(s);
}

/** Ruby's String#chomp: one trailing "\r\n", "\n" or "\r". */
function chomp(s: string): string {
  if (s.endsWith('\r\n')) return s.slice(0, -2);
  if (s.endsWith('\n') || s.endsWith('\r')) return s.slice(0, -1);
  return s;
}

/** The ENC blocks of a string, as eyaml's hiera parser splits it. */
export function encBlocks(s: string): { scheme: string; cipher: string; match: string; index: number }[] {
  const out: { scheme: string; cipher: string; match: string; index: number }[] = [];
  for (const m of s.matchAll(TOKEN)) {
    out.push({
      scheme: m[1] ? m[1].slice(0, -1) : 'PKCS7',
      cipher: m[2]!.replace(/\s/g, ''),
      match: m[0],
      index: m.index,
    });
  }
  return out;
}

/** Decrypts every block of an encrypted string; the joined text is chomped as eyaml does. */
export function decryptString(s: string, decrypt: (scheme: string, cipher: string) => string): string {
  let out = '';
  let last = 0;
  for (const b of encBlocks(s)) {
    out += s.slice(last, b.index) + decrypt(b.scheme, b.cipher);
    last = b.index + b.match.length;
  }
  return chomp(out + s.slice(last));
}

/**
 * How a secret is shown outside the VM: `[sensitive] sha256:<12 hex>`. The digest is stable, so
 * a changed secret still shows as a change; it is a digest of the JSON text, so a guessable secret
 * can be confirmed by whoever sees it (it is shown only where the plaintext's owner looks).
 */
export function redactedSecret(value: unknown): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(value) ?? 'undefined')
    .digest('hex');
  return `[sensitive] sha256:${digest.slice(0, 12)}`;
}

// ---------------------------------------------------------------- PKCS7

const OID_ENVELOPED = '1.2.840.113549.1.7.3';
const OID_DATA = '1.2.840.113549.1.7.1';
const OID_RSA = '1.2.840.113549.1.1.1';
const OID_SHA256_RSA = '1.2.840.113549.1.1.11';
const CIPHERS: Record<string, { name: string; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24 },
};

/** A certificate's issuer Name and serial INTEGER, as encoded (to match a RecipientInfo). */
interface CertIdentity {
  issuer: Buffer;
  serial: Buffer;
  publicKey: KeyObject;
}

function certIdentity(pem: string): CertIdentity {
  const cert = new X509Certificate(pem);
  const tbs = children(children(readWhole(cert.raw))[0]!);
  const offset = tbs[0]!.tag === 0xa0 ? 1 : 0;
  return { serial: tbs[offset]!.raw, issuer: tbs[offset + 2]!.raw, publicKey: cert.publicKey };
}

/** Reads key files once per process (by absolute path); a failure is rethrown each time. */
export class EyamlKeyring {
  private readonly privateKeys = new Map<string, KeyObject | Error>();
  private readonly certs = new Map<string, CertIdentity | Error>();
  /** Plaintexts by key files (their paths joined) and scheme, then by ciphertext. A base64 block
   *  is hundreds of characters: a key made of it and the paths would be copied for every block. */
  private readonly plain = new Map<string, Map<string, string>>();
  /** The plaintext map of a key-files object: lookups pass the same object again and again. */
  private readonly plainOf = new WeakMap<EyamlKeys, Map<string, Map<string, string>>>();

  private load<T>(cache: Map<string, T | Error>, file: string, parse: (text: string) => T): T {
    let v = cache.get(file);
    if (v === undefined) {
      try {
        v = parse(readFileSync(file, 'utf8'));
      } catch (e) {
        const code = (e as { code?: string }).code;
        v = new Error(
          code === 'ENOENT'
            ? `No such file or directory - ${file}`
            : code
              ? `cannot read ${file} (${code})`
              : `${file} is not a valid key (${(e as Error).message})`,
        );
      }
      cache.set(file, v);
    }
    if (v instanceof Error) throw v;
    return v;
  }

  privateKey(file: string): KeyObject {
    return this.load(this.privateKeys, file, (text) => createPrivateKey(text));
  }

  certificate(file: string): CertIdentity {
    return this.load(this.certs, file, certIdentity);
  }

  private plainMap(scheme: string, keys: EyamlKeys): Map<string, string> {
    let byScheme = this.plainOf.get(keys);
    if (!byScheme) this.plainOf.set(keys, (byScheme = new Map()));
    let m = byScheme.get(scheme);
    if (!m) {
      const id = `${scheme}\0${keys.privateKey ?? ''}\0${keys.publicKey ?? ''}\0${keys.gnupghome ?? ''}`;
      m = this.plain.get(id);
      if (!m) this.plain.set(id, (m = new Map()));
      byScheme.set(scheme, m);
    }
    return m;
  }

  /** One block decrypted with a level's keys; the same block and keys are decrypted once. */
  decrypt(scheme: string, cipher: string, keys: EyamlKeys): string {
    const cache = this.plainMap(scheme, keys);
    const hit = cache.get(cipher);
    if (hit !== undefined) return hit;
    const block = (): string => `ENC[${scheme},${cipher}]`;
    let text: string;
    try {
      if (scheme === 'PKCS7') {
        let key: KeyObject;
        let cert: CertIdentity;
        try {
          if (!keys.publicKey) throw new Error('pkcs7_public_key is not defined');
          if (!keys.privateKey) throw new Error('pkcs7_private_key is not defined');
          key = this.privateKey(keys.privateKey);
          cert = this.certificate(keys.publicKey);
        } catch (e) {
          throw new EyamlError((e as Error).message, block(), 'key');
        }
        text = pkcs7Decrypt(Buffer.from(cipher, 'base64'), key, cert).toString('utf8');
      } else if (scheme === 'GPG') {
        text = gpgDecrypt(Buffer.from(cipher, 'base64'), keys.gnupghome, block());
      } else {
        throw new Error(`Encryption method ${scheme} is not supported (Aare decrypts PKCS7 and GPG blocks)`);
      }
    } catch (e) {
      if (e instanceof EyamlError) throw e;
      throw new EyamlError((e as Error).message, block());
    }
    cache.set(cipher, text);
    return text;
  }
}

/** OpenSSL's PKCS7_decrypt for an EnvelopedData with key transport recipients. */
export function pkcs7Decrypt(derBytes: Buffer, key: KeyObject, cert: CertIdentity | undefined): Buffer {
  let parsed: { encryptedKey: Buffer; algorithm: string; iv: Buffer; encrypted: Buffer } | undefined;
  try {
    const info = readWhole(derBytes);
    if (oidText(child(info, 0)) !== OID_ENVELOPED) throw new DerError('not enveloped data');
    const env = children(child(child(info, 1), 0)).filter((n) => n.tag !== 0xa0);
    const recipients = children(env[1] ?? fail());
    const content = env[2] ?? fail();
    const matches = (r: DerNode): boolean => {
      const rid = child(r, 1);
      if (!cert || rid.tag !== 0x30) return false;
      return child(rid, 0).raw.equals(cert.issuer) && child(rid, 1).raw.equals(cert.serial);
    };
    const ri = cert ? recipients.find(matches) : recipients[0];
    if (ri) {
      const alg = child(content, 1);
      const body = child(content, 2);
      parsed = {
        encryptedKey: child(ri, 3).content,
        algorithm: oidText(child(alg, 0)),
        iv: child(alg, 1).content,
        encrypted: body.tag === 0x80 ? body.content : Buffer.concat(children(body).map((c) => c.content)),
      };
    }
  } catch (e) {
    if (e instanceof DerError) throw new Error('Could not parse the PKCS7: no start line', { cause: e });
    throw e;
  }
  if (!parsed) throw new Error('no recipient matches certificate');
  const { encryptedKey, iv, encrypted } = parsed;
  const cipher = CIPHERS[parsed.algorithm];
  if (!cipher) throw new Error(`unsupported cipher ${parsed.algorithm}`);
  // PKCS#1 v1.5 padding removed here: Node 20 refuses RSA_PKCS1_PADDING for private decryption.
  // A wrong key yields garbage that fails the padding or the AES unpadding, or a key whose modulus
  // is smaller than the encrypted key is refused outright: "bad decrypt" every way, as OpenSSL says.
  let em: Buffer;
  try {
    em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, encryptedKey);
  } catch {
    throw new Error('bad decrypt');
  }
  const sep = em.indexOf(0, 2);
  if (em[0] !== 0 || em[1] !== 2 || sep < 10 || em.length - sep - 1 !== cipher.keyLength) {
    throw new Error('bad decrypt');
  }
  try {
    const d = createDecipheriv(cipher.name, em.subarray(sep + 1), iv);
    return Buffer.concat([d.update(encrypted), d.final()]);
  } catch {
    throw new Error('bad decrypt');
  }
}

/** OpenSSL's PKCS7_encrypt with AES-256-CBC for one certificate, as `eyaml encrypt` writes it. */
export function pkcs7Encrypt(plaintext: Buffer, certPem: string): Buffer {
  const cert = certIdentity(certPem);
  const cek = randomBytes(32);
  const iv = randomBytes(16);
  const c = createCipheriv('aes-256-cbc', cek, iv);
  const encrypted = Buffer.concat([c.update(plaintext), c.final()]);
  const encryptedKey = publicEncrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_PADDING }, cek);
  const recipient = seq(
    integer(0),
    seq(cert.issuer, cert.serial),
    seq(oid(OID_RSA), nullValue()),
    octets(encryptedKey),
  );
  const contentInfo = seq(
    oid(OID_DATA),
    seq(oid('2.16.840.1.101.3.4.1.42'), octets(iv)),
    der(0x80, encrypted),
  );
  return seq(oid(OID_ENVELOPED), der(0xa0, seq(integer(0), set(recipient), contentInfo)));
}

/** `ENC[PKCS7,...]` for a plaintext; `block` wraps the base64 as `eyaml encrypt -o block` does. */
export function encryptToEnc(plaintext: string, certPem: string): string {
  return `ENC[PKCS7,${pkcs7Encrypt(Buffer.from(plaintext, 'utf8'), certPem).toString('base64')}]`;
}

function utcTime(d: Date): Buffer {
  const s = d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return d.getUTCFullYear() < 2050
    ? der(0x17, Buffer.from(`${s.slice(2)}Z`))
    : der(0x18, Buffer.from(`${s}Z`));
}

/**
 * `eyaml createkeys`: a 2048-bit RSA key (PKCS#1 PEM) and a self-signed certificate with an
 * empty subject, serial 1, valid 50 years, CA:TRUE and key identifiers, signed with SHA-256.
 */
export function createKeys(now = new Date()): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const spkiBits = children(readWhole(spki))[1]!.content.subarray(1);
  const keyId = createHash('sha1').update(spkiBits).digest();
  const emptyName = seq();
  const sigAlg = seq(oid(OID_SHA256_RSA), nullValue());
  const notAfter = new Date(now.getTime() + 50 * 365 * 24 * 3600 * 1000);
  const ext = (id: string, critical: boolean, value: Buffer): Buffer =>
    seq(oid(id), ...(critical ? [Buffer.from([0x01, 0x01, 0xff])] : []), octets(value));
  const extensions = der(
    0xa3,
    seq(
      ext('2.5.29.19', true, seq(Buffer.from([0x01, 0x01, 0xff]))),
      ext('2.5.29.14', false, octets(keyId)),
      ext(
        '2.5.29.35',
        false,
        seq(der(0x80, keyId), der(0xa1, der(0xa4, emptyName)), der(0x82, Buffer.from([1]))),
      ),
    ),
  );
  const tbs = seq(
    der(0xa0, integer(2)),
    integer(1),
    sigAlg,
    emptyName,
    seq(utcTime(now), utcTime(notAfter)),
    emptyName,
    spki,
    extensions,
  );
  const signature = createSign('sha256').update(tbs).sign(privateKey);
  const cert = seq(tbs, sigAlg, der(0x03, Buffer.from([0]), signature));
  const b64 = cert.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKeyPem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`,
  };
}

// ---------------------------------------------------------------- GPG

function gpgDecrypt(message: Buffer, gnupghome: string | undefined, block: string): string {
  const args = ['--batch', '--quiet', '--no-tty', '--no-permission-warning', '--decrypt'];
  if (gnupghome) args.unshift('--homedir', gnupghome);
  const r = spawnSync('gpg', args, { input: message, maxBuffer: 16 << 20, timeout: 60_000 });
  if (r.error) {
    if ((r.error as { code?: string }).code === 'ENOENT')
      throw new EyamlError('gpg is not installed', block, 'tool');
    throw new EyamlError(`gpg could not run (${r.error.message})`, block);
  }
  if (r.status !== 0) {
    const why = r.stderr.toString('utf8').trim().split('\n').pop() ?? '';
    throw new EyamlError(
      `GPG decryption failed${gnupghome ? ` with gpg_gnupghome ${gnupghome}` : ''}: ${why}`,
      block,
    );
  }
  return r.stdout.toString('utf8');
}
