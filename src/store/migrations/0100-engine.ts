import type { Kysely } from 'kysely';

// The engine's state: what Aare created (one row per resource address), the journal of calls in
// flight (intents), per-customer state serials (for stale-plan checks) and the apply lock.
// Text columns hold JSON; timestamps are ISO-8601 UTC text, as in 0001-base.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('engine_resources')
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('desired', 'text', (c) => c.notNull())
    .addColumn('depends_on', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('engine_resources_scope').on('engine_resources').columns(['scope']).execute();
  await db.schema
    .createTable('engine_intents')
    .addColumn('address', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('desired', 'text', (c) => c.notNull())
    .addColumn('depends_on', 'text', (c) => c.notNull())
    .addColumn('apply_id', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('engine_serials')
    .addColumn('scope', 'text', (c) => c.primaryKey())
    .addColumn('serial', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('engine_locks')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('acquired_at', 'text', (c) => c.notNull())
    .addColumn('heartbeat_at', 'text', (c) => c.notNull())
    .execute();
}
