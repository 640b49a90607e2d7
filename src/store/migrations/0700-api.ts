import type { Kysely } from 'kysely';

// The HTTP API's idempotency keys (src/server/api, docs/api.md): a POST carrying an
// `Idempotency-Key` is answered once; the same key from the same principal gets the stored answer.
// A row without a status is a request still running (a second one with the key is refused).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_idempotency')
    .addColumn('principal_id', 'integer', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    // sha256 of method, path and body: a key reused for another request is refused
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'integer')
    .addColumn('body', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('api_idempotency_pk', ['principal_id', 'key'])
    .execute();
  await db.schema
    .createIndex('api_idempotency_created_at')
    .on('api_idempotency')
    .column('created_at')
    .execute();
}
