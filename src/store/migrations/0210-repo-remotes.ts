import type { Kysely } from 'kysely';

// Upstream mirrors of the repository service (src/repo/repo-remotes.ts, docs/repositories.md):
// one row per remote, named like the shared repository its syncs make versions of. The upstream's
// key is stored when the remote is added, so a key swapped upstream later is not trusted silently.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('repo_remotes')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('gpg_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_repomd_sha256', 'text')
    .addColumn('last_synced_at', 'text')
    .execute();
}
