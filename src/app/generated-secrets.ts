// The master key behind every secret Aare generates (backup passwords, see
// src/providers/provider-secrets.ts): 32 random bytes, made on first need and kept in the state
// store, which is the one place Aare's state lives (0600, or PostgreSQL's own access control).
import { randomBytes } from 'node:crypto';
import { secretsFromMasterKey } from '../providers/index.js';
import type { ProviderSecrets } from '../providers/index.js';
import { nowIso } from '../store/index.js';
import type { Store } from '../store/index.js';

const SCOPE = 'secrets';
const KEY = 'master';

/** The state's secrets; the first caller of a new state makes the master key. */
export async function loadGeneratedSecrets(store: Store): Promise<ProviderSecrets> {
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
      .values({ scope: SCOPE, key: KEY, value: randomBytes(32).toString('hex'), updated_at: nowIso() })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .execute();
    row = await read();
  }
  return secretsFromMasterKey(row!.value);
}
