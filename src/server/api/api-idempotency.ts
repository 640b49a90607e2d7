// Idempotency keys of POSTs (docs/api.md). The first request with a key claims it (a row without
// an answer) before it acts; its answer is stored when it succeeds, and the claim is dropped when
// it fails, so that a retry acts again. The same key from the same principal then gets the stored
// answer; another request under a key, or one while the first still runs, is refused (409). Keys
// are kept for a day.
import { createHash } from 'node:crypto';
import type { Store } from '../../store/index.js';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** 1 to 255 visible ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'busy' }
  | { kind: 'other-request' };

export function requestHash(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([method, url, body ?? null]))
    .digest('hex');
}

export async function claimKey(
  store: Store,
  principalId: number,
  key: string,
  hash: string,
  now: Date,
  attempt = 0,
): Promise<Claim> {
  const expired = new Date(now.getTime() - IDEMPOTENCY_TTL_MS).toISOString();
  await store.db.deleteFrom('api_idempotency').where('created_at', '<', expired).execute();
  const inserted = await store.db
    .insertInto('api_idempotency')
    .values({
      principal_id: principalId,
      key,
      request_hash: hash,
      status: null,
      body: null,
      created_at: now.toISOString(),
    })
    .onConflict((oc) => oc.columns(['principal_id', 'key']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return { kind: 'claimed' };
  const row = await store.db
    .selectFrom('api_idempotency')
    .selectAll()
    .where('principal_id', '=', principalId)
    .where('key', '=', key)
    .executeTakeFirst();
  // dropped between the two statements (the first request failed): this one may act; a key
  // that keeps flapping is answered as busy rather than tried without end
  if (!row) return attempt < 3 ? claimKey(store, principalId, key, hash, now, attempt + 1) : { kind: 'busy' };
  if (row.request_hash !== hash) return { kind: 'other-request' };
  if (row.status === null) return { kind: 'busy' };
  return { kind: 'replay', status: row.status, body: row.body === null ? undefined : JSON.parse(row.body) };
}

export async function storeAnswer(
  store: Store,
  principalId: number,
  key: string,
  status: number,
  body: unknown,
): Promise<void> {
  await store.db
    .updateTable('api_idempotency')
    .set({ status, body: body === undefined ? null : JSON.stringify(body) })
    .where('principal_id', '=', principalId)
    .where('key', '=', key)
    .execute();
}

export async function releaseKey(store: Store, principalId: number, key: string): Promise<void> {
  await store.db
    .deleteFrom('api_idempotency')
    .where('principal_id', '=', principalId)
    .where('key', '=', key)
    .execute();
}
