// What the state remembers about the provider's signing key, so that a lost key file is noticed
// instead of silently replaced: every client that installs from a distribution trusts the key
// that signed it, and a new key would make all of them refuse the next update.
import { nowIso } from '../store/index.js';
import type { Store } from '../store/index.js';
import { readOrCreateSigningKey } from './signing-key.js';
import type { SigningKey, SigningKeyIdentity } from './signing-key.js';

const SCOPE = 'repo';
const FINGERPRINT = 'signing-key-fingerprint';

export interface SigningKeyRecord {
  /** Fingerprint of the key this state last signed with or loaded to sign, if any. */
  fingerprint?: string;
  /** Publications in the state (each signed by a provider key). */
  publications: number;
}

export async function readSigningKeyRecord(db: Store['db']): Promise<SigningKeyRecord> {
  const row = await db
    .selectFrom('kv')
    .select('value')
    .where('scope', '=', SCOPE)
    .where('key', '=', FINGERPRINT)
    .executeTakeFirst();
  const count = await db
    .selectFrom('repo_publications')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return { fingerprint: row?.value, publications: Number(count.n) };
}

/** Remembers `fingerprint` as the state's signing key (the newest key used wins). */
export async function recordSigningKey(db: Store['db'], fingerprint: string): Promise<void> {
  const at = nowIso();
  await db
    .insertInto('kv')
    .values({ scope: SCOPE, key: FINGERPRINT, value: fingerprint, updated_at: at })
    .onConflict((oc) => oc.columns(['scope', 'key']).doUpdateSet({ value: fingerprint, updated_at: at }))
    .execute();
}

/**
 * The provider key of a state, read from `path` and recorded in the state. A missing file is
 * replaced by a fresh throwaway key only when the caller allows it for this path (`mayCreate`)
 * and the state has never signed anything nor recorded a key; otherwise it is refused with
 * SIGNING_KEY_MISSING naming the file, the fingerprint expected and how to restore it.
 */
export async function openSigningKey(
  store: Store,
  path: string,
  identity: SigningKeyIdentity,
  opts: { mayCreate: boolean },
): Promise<SigningKey> {
  const record = await readSigningKeyRecord(store.db);
  const fresh = record.fingerprint === undefined && record.publications === 0;
  const key = await readOrCreateSigningKey(path, identity, {
    mayCreate: opts.mayCreate && fresh,
    expectedFingerprint: record.fingerprint,
    publications: record.publications,
  });
  if (record.fingerprint !== key.fingerprint) await recordSigningKey(store.db, key.fingerprint);
  return key;
}
