// The provider's OpenPGP key, as the repository service uses it: a private key to sign RPM
// headers and repomd.xml, and public keys to trust on upload. Keys are read from armored files;
// nothing here talks to a GnuPG agent.
import * as openpgp from 'openpgp';
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';

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

/**
 * Reads the armored secret key at `path`, generating a throwaway RSA 3072 key there first when the
 * file does not exist (the demo's "first use"). RSA with SHA-256/512 verifies on every EL release.
 */
export async function readOrCreateSigningKey(path: string, userId: { name: string; email: string }) {
  if (!existsSync(path)) {
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
