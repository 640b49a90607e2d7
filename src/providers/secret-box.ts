// AES-256-GCM as Aare stores secrets: IV (12 bytes), tag (16) and ciphertext in one buffer. Used
// to seal user-data under the state's master key and to wrap that key under the key-encryption key.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** `text` encrypted under `key` (32 bytes); a random IV unless one is given (deterministic sealing). */
export function boxSeal(key: Buffer, text: string, iv: Buffer = randomBytes(12)): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** The text of `boxSeal`; undefined when `box` is malformed or was sealed under another key. */
export function boxOpen(key: Buffer, box: Buffer): string | undefined {
  if (box.length < 28) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, box.subarray(0, 12));
    decipher.setAuthTag(box.subarray(12, 28));
    return Buffer.concat([decipher.update(box.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
