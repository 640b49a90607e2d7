import type { Kysely } from 'kysely';
import { addIdColumn } from './migration-helpers.js';

// Rollout of releases (src/release, docs/maintenance.md): a customer's decisions on a release,
// each bound to the digest of the diff it was shown, and when a release first reached a
// customer's environment (promotion waits a minimum gap after test).
export async function up(db: Kysely<unknown>): Promise<void> {
  await addIdColumn(db, db.schema.createTable('release_decisions'))
    .addColumn('release', 'text', (c) => c.notNull())
    .addColumn('customer', 'text', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('decided_by', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('release_decisions_release_customer')
    .on('release_decisions')
    .columns(['release', 'customer', 'id'])
    .execute();
  await db.schema
    .createTable('release_deployments')
    .addColumn('release', 'text', (c) => c.notNull())
    .addColumn('customer', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('deployed_at', 'text', (c) => c.notNull())
    .addColumn('deployed_by', 'text', (c) => c.notNull())
    // the digest of the diff the customer accepted, for a production deployment
    .addColumn('digest', 'text')
    .addPrimaryKeyConstraint('release_deployments_pk', ['release', 'customer', 'environment'])
    .execute();
}
