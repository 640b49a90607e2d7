import type { Kysely } from 'kysely';

// Releases and the audit log (src/release, docs/maintenance.md). The audit log becomes a hash
// chain: each entry keeps the previous entry's hash and its own over its content and that one;
// prev_hash is unique, so two writers can never both extend the same entry (the chain cannot
// fork). A release is a row per name, written once; its snapshot holds the package versions.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_log').addColumn('customer', 'text').execute();
  await db.schema
    .alterTable('audit_log')
    .addColumn('result', 'text', (c) => c.notNull().defaultTo('ok'))
    .execute();
  await db.schema
    .alterTable('audit_log')
    .addColumn('prev_hash', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema
    .alterTable('audit_log')
    .addColumn('hash', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema.createIndex('audit_log_prev_hash').on('audit_log').column('prev_hash').unique().execute();
  await db.schema.createIndex('audit_log_customer').on('audit_log').columns(['customer', 'id']).execute();
  await db.schema
    .createTable('releases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('month', 'text', (c) => c.notNull())
    .addColumn('frozen_at', 'text', (c) => c.notNull())
    .addColumn('commit', 'text', (c) => c.notNull())
    .addColumn('snapshot', 'text', (c) => c.notNull().unique())
    .addColumn('frozen_by', 'text', (c) => c.notNull())
    .execute();
  // `aare serve` freezes by itself: of several processes on one database, the one whose insert of
  // the month's row succeeds makes that month's freeze
  await db.schema
    .createTable('release_freeze_claims')
    .addColumn('month', 'text', (c) => c.primaryKey())
    .addColumn('claimed_by', 'text', (c) => c.notNull())
    .addColumn('claimed_at', 'text', (c) => c.notNull())
    .execute();
}
