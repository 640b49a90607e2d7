// The provider's OpenPGP key, as the repository service uses it: a private key to sign RPM
// headers and repomd.xml, and public keys to trust on upload. Keys are read from armored files;
// nothing here talks to a GnuPG agent.
import * as openpgp from 'openpgp';
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { DiagnosticsError, error } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';

export interface SigningKey {
  privateKey: openpgp.PrivateKey;
  /** Armored public key: what dnf imports (served as gpgkey and repodata/repomd.xml.key). */
  publicArmored: string;
  fingerprint: string;
}

export async function signingKeyFromArmored(armoredSecret: string): Promise<SigningKey> {
  const privateKey = await openpgp.readPrivateKey({ armoredKey: armoredSecret });
  if (!privateKey.isDecrypted()) {
    throw new Error('the signing key is protected by a passphrase, which Aare does not support yet');
  }
  return {
    privateKey,
    publicArmored: privateKey.toPublic().armor(),
    fingerprint: privateKey.getFingerprint().toUpperCase(),
  };
}

export async function readSigningKey(path: string): Promise<SigningKey> {
  return signingKeyFromArmored(await readFile(path, 'utf8'));
}

export interface SigningKeyIdentity {
  name: string;
  email: string;
}

/**
 * Reads the armored secret key at `path`. When the file does not exist and `mayCreate` is true,
 * first generates a throwaway RSA 3072 key there (RSA with SHA-256/512 verifies on every EL
 * release); when `mayCreate` is false, refuses with SIGNING_KEY_MISSING naming the file and how
 * to restore it. Whether a state may get a new key is for signing-key-state.ts to say.
 */
export async function readOrCreateSigningKey(
  path: string,
  userId: SigningKeyIdentity,
  opts: { mayCreate: boolean; expectedFingerprint?: string; publications?: number },
): Promise<SigningKey> {
  if (!existsSync(path)) {
    if (!opts.mayCreate) throw new DiagnosticsError([missingKey(path, opts)]);
    const { privateKey } = await openpgp.generateKey({
      type: 'rsa',
      rsaBits: 3072,
      userIDs: [userId],
      format: 'armored',
      config: { preferredHashAlgorithm: openpgp.enums.hash.sha512 },
    });
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, privateKey, { mode: 0o600 });
    await chmod(path, 0o600);
  }
  return readSigningKey(path);
}

function missingKey(path: string, opts: { expectedFingerprint?: string; publications?: number }): Diagnostic {
  const signed = [
    opts.publications ? `${opts.publications} publication(s)` : '',
    opts.expectedFingerprint ? `key ${opts.expectedFingerprint}` : '',
  ].filter(Boolean);
  const why = signed.length
    ? `this state already uses a provider key (${signed.join(', ')}), which every client installing from its distributions trusts, so Aare will not make a new one`
    : 'Aare makes a throwaway key only inside a new state directory';
  const restore = opts.expectedFingerprint
    ? `restore the armored secret key from your backup (e.g. \`gpg --export-secret-keys --armor ${opts.expectedFingerprint} > ${path}\` where it is kept) or point aare.yaml's packageSigning.key at it`
    : `restore the armored secret key from your backup or point aare.yaml's packageSigning.key at it`;
  return error('SIGNING_KEY_MISSING', `the provider signing key ${path} does not exist: ${why}; ${restore}`);
}

export async function readPublicKeys(armored: string): Promise<openpgp.PublicKey[]> {
  return openpgp.readKeys({ armoredKeys: armored });
}

/** Detached, armored signature of `data` (repomd.xml.asc). */
export async function signDetachedArmored(data: Buffer, key: SigningKey): Promise<string> {
  const message = await openpgp.createMessage({ binary: data });
  return openpgp.sign({ message, signingKeys: key.privateKey, detached: true, format: 'armored' });
}

/** Detached, binary signature of `data` (an RPM header signature). */
export async function signDetachedBinary(data: Buffer, key: SigningKey): Promise<Buffer> {
  const message = await openpgp.createMessage({ binary: data });
  const sig = await openpgp.sign({ message, signingKeys: key.privateKey, detached: true, format: 'binary' });
  return Buffer.from(sig);
}

/** True when `signature` (binary OpenPGP) is a valid signature of `data` by one of `keys`. */
export async function verifyDetachedBinary(
  data: Buffer,
  signature: Buffer,
  keys: openpgp.PublicKey[],
): Promise<{ ok: true; keyId: string } | { ok: false; reason: string }> {
  let sig: openpgp.Signature;
  try {
    sig = await openpgp.readSignature({ binarySignature: signature });
  } catch (err) {
    return { ok: false, reason: `the signature does not parse (${(err as Error).message})` };
  }
  const signer = sig.getSigningKeyIDs()[0];
  const keyId = signer?.toHex().toUpperCase() ?? 'unknown';
  if (!signer || !keys.some((k) => k.getKeys(signer).length > 0)) {
    return { ok: false, reason: `signed by key ${keyId}, which is not a trusted key` };
  }
  const result = await openpgp.verify({
    message: await openpgp.createMessage({ binary: data }),
    signature: sig,
    verificationKeys: keys,
    expectSigned: false,
  });
  const first = result.signatures[0];
  if (!first) return { ok: false, reason: 'the signature is empty' };
  try {
    await first.verified;
    return { ok: true, keyId };
  } catch {
    return { ok: false, reason: `the signature by key ${keyId} does not verify` };
  }
}
