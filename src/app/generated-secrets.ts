// The master key behind every secret Aare generates (backup passwords, sealed user-data, see
// src/providers/provider-secrets.ts): 32 random bytes, made on first need and kept in the state
// store, which is the one place Aare's state lives. At rest it is encrypted (AES-256-GCM) under a
// key-encryption key that is not in the store: AARE_MASTER_KEY (64 hex digits), else the file
// <stateDir>/master.key (0600, made with a new state). A copy of the database alone opens nothing.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticsError, error } from '../diag/index.js';
import { boxOpen, boxSeal, secretsFromMasterKey } from '../providers/index.js';
import type { ProviderSecrets } from '../providers/index.js';
import { nowIso } from '../store/index.js';
import type { Store } from '../store/index.js';

const SCOPE = 'secrets';
const KEY = 'master';
/** A wrapped master key: `kek1:<key id>:<base64url of IV, tag, ciphertext>`. */
const WRAPPED = /^kek1:([0-9a-f]{16}):([A-Za-z0-9_-]+)$/;

/** The key-encryption key and where it came from (for messages). */
export interface MasterKeyWrap {
  key: Buffer;
  /** Names the key in the stored row, so a row wrapped by another key says so (rotation). */
  id: string;
  origin: string;
}

/**
 * The key-encryption key: AARE_MASTER_KEY (64 hex digits), else `<stateDir>/master.key`, made
 * (0600) when missing. Back it up with the state: without it the generated secrets are lost.
 */
export function masterKeyWrap(
  stateDir: string,
  env: Readonly<Record<string, string | undefined>>,
): MasterKeyWrap {
  const fromEnv = env.AARE_MASTER_KEY;
  if (fromEnv !== undefined) {
    if (!/^[0-9a-fA-F]{64}$/.test(fromEnv.trim()))
      throw new DiagnosticsError([
        error('USAGE', 'AARE_MASTER_KEY must be 64 hex digits (32 bytes)', { field: 'AARE_MASTER_KEY' }),
      ]);
    return wrapOf(Buffer.from(fromEnv.trim(), 'hex'), 'AARE_MASTER_KEY');
  }
  const file = join(stateDir, 'master.key');
  if (!existsSync(file)) {
    mkdirSync(stateDir, { recursive: true });
    // 'wx': two processes making it at once cannot overwrite each other's key
    try {
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const text = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/i.test(text))
    throw new DiagnosticsError([
      error('SECRETS_UNAVAILABLE', `${file} must hold 64 hex digits (32 bytes)`, { field: 'master.key' }),
    ]);
  return wrapOf(Buffer.from(text, 'hex'), file);
}

function wrapOf(key: Buffer, origin: string): MasterKeyWrap {
  return { key, id: createHash('sha256').update(key).digest('hex').slice(0, 16), origin };
}

function wrap(masterHex: string, w: MasterKeyWrap): string {
  return `kek1:${w.id}:${boxSeal(w.key, masterHex).toString('base64url')}`;
}

function unwrap(stored: string, w: MasterKeyWrap): string {
  const unavailable = (why: string) =>
    new DiagnosticsError([
      error('SECRETS_UNAVAILABLE', `the state's generated secrets cannot be opened: ${why}`, {
        field: 'master.key',
      }),
    ]);
  const m = WRAPPED.exec(stored);
  if (!m) throw unavailable('the stored master key has an unknown format');
  if (m[1] !== w.id) throw unavailable(`they were encrypted with another key than ${w.origin}`);
  const master = boxOpen(w.key, Buffer.from(m[2]!, 'base64url'));
  if (master === undefined)
    throw unavailable(`the stored master key does not decrypt with ${w.origin} (changed?)`);
  return master;
}

/** The state's secrets; the first caller of a new state makes the master key. */
export async function loadGeneratedSecrets(store: Store, w: MasterKeyWrap): Promise<ProviderSecrets> {
  const read = () =>
    store.db
      .selectFrom('kv')
      .select('value')
      .where('scope', '=', SCOPE)
      .where('key', '=', KEY)
      .executeTakeFirst();
  let row = await read();
  if (!row) {
    // two processes making the key at once: the first insert wins and both read it back
    await store.db
      .insertInto('kv')
      .values({
        scope: SCOPE,
        key: KEY,
        value: wrap(randomBytes(32).toString('hex'), w),
        updated_at: nowIso(),
      })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .execute();
    row = await read();
  }
  return secretsFromMasterKey(unwrap(row!.value, w));
}
