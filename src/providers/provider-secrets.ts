// The secrets Aare generates (backup passwords): each derived from one random master key that the
// composition root keeps in the state store, so a secret exists before the resource that uses it
// and never has to be written anywhere else. Derivation is HMAC-SHA256 over a label naming what
// the secret is for; knowing one secret tells nothing about another.
import { createHmac } from 'node:crypto';
import { boxOpen, boxSeal } from './secret-box.js';
import { SECRET_TOKENS } from '../compile/index.js';
import type { SecretName } from '../compile/index.js';

export interface ProviderSecrets {
  /** restic repository password of a customer environment. */
  backupRepositoryPassword(customer: string, environment: string): string;
  /** HTTP login password of a customer on the backup server. */
  backupLoginPassword(customer: string): string;
  /**
   * `text` encrypted (AES-256-GCM) under a key derived from the master key, for text that holds
   * secrets and must be stored (a server's user-data in plans, the journal and state). The IV is
   * derived from the text, so the same text seals to the same value and a plan stays stable; this
   * tells whoever sees two sealed values whether they are equal, and nothing else.
   */
  seal(text: string): string;
  /** The text of `seal`; undefined for a value that is not sealed or was sealed with another key. */
  unseal(sealed: string): string | undefined;
}

/** How a sealed text begins (then base64url of IV, tag and ciphertext). */
export const SEALED_PREFIX = 'aare-sealed:1:';

export function isSealed(text: string): boolean {
  return text.startsWith(SEALED_PREFIX);
}

/** The secrets of a master key (hex, at least 32 bytes). */
export function secretsFromMasterKey(masterKeyHex: string): ProviderSecrets {
  const key = Buffer.from(masterKeyHex, 'hex');
  if (key.length < 32) throw new Error('the master key must be at least 32 bytes');
  const derive = (label: string) => createHmac('sha256', key).update(label).digest('base64url');
  const sealKey = createHmac('sha256', key).update('aare/seal').digest();
  return {
    backupRepositoryPassword: (customer, environment) =>
      derive(`aare/backup/repository/${customer}/${environment}`),
    backupLoginPassword: (customer) => derive(`aare/backup/login/${customer}`),
    seal(text) {
      const iv = createHmac('sha256', sealKey).update(text).digest().subarray(0, 12);
      return SEALED_PREFIX + boxSeal(sealKey, text, iv).toString('base64url');
    },
    unseal(sealed) {
      // undefined for another state's key, or a changed value
      if (!isSealed(sealed)) return undefined;
      return boxOpen(sealKey, Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url'));
    },
  };
}

/** `text` with every secret token replaced by the secret of this customer environment. */
export function fillSecretTokens(
  text: string,
  secrets: ProviderSecrets,
  customer: string,
  environment: string,
): string {
  return replaceSecrets(text, secrets, customer, environment, 'fill');
}

/** The reverse of fillSecretTokens: what was sent, with its secrets back as tokens (for hashing). */
export function unfillSecretTokens(
  text: string,
  secrets: ProviderSecrets,
  customer: string,
  environment: string,
): string {
  return replaceSecrets(text, secrets, customer, environment, 'unfill');
}

function replaceSecrets(
  text: string,
  secrets: ProviderSecrets,
  customer: string,
  environment: string,
  direction: 'fill' | 'unfill',
): string {
  const values: [SecretName, string][] = [
    ['backupRepositoryPassword', secrets.backupRepositoryPassword(customer, environment)],
    ['backupLoginPassword', secrets.backupLoginPassword(customer)],
  ];
  let out = text;
  for (const [name, value] of values) {
    const [from, to] = direction === 'fill' ? [SECRET_TOKENS[name], value] : [value, SECRET_TOKENS[name]];
    out = out.split(from).join(to);
  }
  return out;
}

/** Whether `text` holds any secret token (then it cannot be sent without secrets). */
export function hasSecretTokens(text: string): boolean {
  return Object.values(SECRET_TOKENS).some((t) => text.includes(t));
}
