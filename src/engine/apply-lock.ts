import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { DiagnosticsError, error } from '../diag/index.js';
import type { Store } from '../store/index.js';

/** A holder that has not beaten its heartbeat for this long is considered dead. */
export const LOCK_STALE_MS = 60_000;
const HEARTBEAT_MS = 10_000;

export interface HeldLock {
  owner: string;
  release(): Promise<void>;
}

/**
 * Takes the one apply lock, or throws a LOCKED diagnostic naming the holder. A holder is taken
 * over when its pid no longer exists on this host, or its heartbeat is older than LOCK_STALE_MS
 * (a holder on another host, or a frozen one). While held, a timer (unref'd) beats the heartbeat.
 */
export async function acquireApplyLock(store: Store, name = 'apply'): Promise<HeldLock> {
  const owner = randomUUID();
  const me = { owner, pid: process.pid, host: hostname() };
  const now = new Date().toISOString();
  const inserted = await store.db
    .insertInto('engine_locks')
    .values({ name, ...me, acquired_at: now, heartbeat_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) {
    const holder = await store.db
      .selectFrom('engine_locks')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    if (holder && !holderIsDead(holder)) {
      throw new DiagnosticsError([
        error(
          'LOCKED',
          `another apply holds the lock (pid ${holder.pid} on ${holder.host}, since ${holder.acquired_at})`,
        ),
      ]);
    }
    // compare-and-swap on the dead holder's owner id, so two takers cannot both win
    const taken = await store.db
      .updateTable('engine_locks')
      .set({ ...me, acquired_at: now, heartbeat_at: now })
      .where('name', '=', name)
      .where('owner', '=', holder?.owner ?? '')
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) !== 1) {
      // the holder released it in between, or another taker won: try once more from the top
      return acquireApplyLock(store, name);
    }
  }
  const timer = setInterval(() => {
    store.db
      .updateTable('engine_locks')
      .set({ heartbeat_at: new Date().toISOString() })
      .where('name', '=', name)
      .where('owner', '=', owner)
      .execute()
      .catch(() => undefined);
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    owner,
    release: async () => {
      clearInterval(timer);
      await store.db.deleteFrom('engine_locks').where('name', '=', name).where('owner', '=', owner).execute();
    },
  };
}

function holderIsDead(holder: { pid: number; host: string; heartbeat_at: string }): boolean {
  if (Date.now() - Date.parse(holder.heartbeat_at) > LOCK_STALE_MS) return true;
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
