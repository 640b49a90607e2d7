import type { Kysely } from 'kysely';
import { addIdColumn } from './migration-helpers.js';

// Types that read the same on SQLite and PostgreSQL: text timestamps (ISO-8601 UTC), integer ids.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('kv')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('kv_pk', ['scope', 'key'])
    .execute();
  await addIdColumn(db, db.schema.createTable('audit_log'))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_scope').on('audit_log').columns(['scope', 'id']).execute();
}
