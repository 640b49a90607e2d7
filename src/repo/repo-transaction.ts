// Every write of the repository service runs in one transaction that first takes the repository
// lock, so writers in any number of processes or servers take turns: a prune never decides a row
// or file is unused while an upload, publication or distribution is about to use it.
import { sql } from '../store/index.js';
import type { Store } from '../store/index.js';

export type StoreTransaction = Parameters<Parameters<Store['transaction']>[0]>[0];

/** PostgreSQL advisory lock key of the repository service: ('aare', 1). */
const PG_LOCK = [0x61617265, 1] as const;

/**
 * Runs `fn` in one transaction holding the repository lock. Transient failures of the backend
 * (a lock wait that timed out, a serialization failure or deadlock), told apart by the driver's
 * error code, run `fn` again from the start; `fn` must therefore leave nothing half-done on disk
 * that a second run would trip over.
 */
export async function repoTransaction<T>(
  store: Store,
  fn: (trx: StoreTransaction) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.transaction(async (trx) => {
        await takeRepoLock(store, trx);
        return fn(trx);
      });
    } catch (err) {
      if (attempt >= 5 || !isTransientFailure(err)) throw err;
    }
  }
}

/**
 * Runs a job that prepares outside the repository lock and commits under it (`trx` undefined,
 * reading from `db`) a few times, while others keep changing its inputs; then once more wholly
 * under the lock (reading and committing in `trx`), where nothing can change them, so that a
 * busy repository slows the job down but never starves it.
 */
export async function withRetries<T>(
  store: Store,
  job: (db: Store['db'], trx?: StoreTransaction) => Promise<T | 'again'>,
): Promise<T> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const r = await job(store.db);
    if (r !== 'again') return r;
  }
  return repoTransaction(store, async (trx) => {
    const r = await job(trx, trx);
    if (r === 'again') throw new Error('a job under the repository lock found its inputs changed');
    return r;
  });
}

/**
 * PostgreSQL: a transaction-scoped advisory lock. SQLite: a write as the transaction's first
 * statement takes the database's one write lock (waiting up to the store's busy timeout), and
 * holds it to the end; inside one process the driver runs one transaction at a time anyway.
 */
async function takeRepoLock(store: Store, trx: StoreTransaction): Promise<void> {
  if (store.dialect === 'postgres') {
    await sql`select pg_advisory_xact_lock(${PG_LOCK[0]}, ${PG_LOCK[1]})`.execute(trx);
    return;
  }
  const at = new Date().toISOString();
  await trx
    .insertInto('kv')
    .values({ scope: 'repo', key: 'lock', value: '', updated_at: at })
    .onConflict((oc) => oc.columns(['scope', 'key']).doUpdateSet({ updated_at: at }))
    .execute();
}

const codeOf = (err: unknown): unknown => (err as { code?: unknown } | undefined)?.code;

/** Failures that say "try again", not "this is wrong": lock waits, serialization, deadlock. */
export function isTransientFailure(err: unknown): boolean {
  const code = codeOf(err);
  return (
    code === '40001' ||
    code === '40P01' ||
    code === 'SQLITE_BUSY' ||
    code === 'SQLITE_BUSY_SNAPSHOT' ||
    code === 'SQLITE_BUSY_TIMEOUT' ||
    code === 'SQLITE_LOCKED'
  );
}
