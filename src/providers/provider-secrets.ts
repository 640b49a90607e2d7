// The secrets Aare generates (backup passwords): each derived from one random master key that the
// composition root keeps in the state store, so a secret exists before the resource that uses it
// and never has to be written anywhere else. Derivation is HMAC-SHA256 over a label naming what
// the secret is for; knowing one secret tells nothing about another.
import { createHmac } from 'node:crypto';
import { SECRET_TOKENS } from '../compile/index.js';
import type { SecretName } from '../compile/index.js';

export interface ProviderSecrets {
  /** restic repository password of a customer environment. */
  backupRepositoryPassword(customer: string, environment: string): string;
  /** HTTP login password of a customer on the backup server. */
  backupLoginPassword(customer: string): string;
}

/** The secrets of a master key (hex, at least 32 bytes). */
export function secretsFromMasterKey(masterKeyHex: string): ProviderSecrets {
  const key = Buffer.from(masterKeyHex, 'hex');
  if (key.length < 32) throw new Error('the master key must be at least 32 bytes');
  const derive = (label: string) => createHmac('sha256', key).update(label).digest('base64url');
  return {
    backupRepositoryPassword: (customer, environment) =>
      derive(`aare/backup/repository/${customer}/${environment}`),
    backupLoginPassword: (customer) => derive(`aare/backup/login/${customer}`),
  };
}

function valuesFor(secrets: ProviderSecrets, customer: string, environment: string): [SecretName, string][] {
  return [
    ['backupRepositoryPassword', secrets.backupRepositoryPassword(customer, environment)],
    ['backupLoginPassword', secrets.backupLoginPassword(customer)],
  ];
}

/** `text` with every secret token replaced by the secret of this customer environment. */
export function fillSecretTokens(
  text: string,
  secrets: ProviderSecrets,
  customer: string,
  environment: string,
): string {
  let out = text;
  for (const [name, value] of valuesFor(secrets, customer, environment)) {
    out = out.split(SECRET_TOKENS[name]).join(value);
  }
  return out;
}

/** The reverse of fillSecretTokens: what was sent, with its secrets back as tokens (for hashing). */
export function unfillSecretTokens(
  text: string,
  secrets: ProviderSecrets,
  customer: string,
  environment: string,
): string {
  let out = text;
  for (const [name, value] of valuesFor(secrets, customer, environment)) {
    out = out.split(value).join(SECRET_TOKENS[name]);
  }
  return out;
}

/** Whether `text` holds any secret token (then it cannot be sent without secrets). */
export function hasSecretTokens(text: string): boolean {
  return Object.values(SECRET_TOKENS).some((t) => text.includes(t));
}
