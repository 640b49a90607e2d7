import type { Kysely } from 'kysely';
import { addIdColumn } from './migration-helpers.js';

// The repository service (src/repo) and package builds (src/packaging): content-addressed
// artifacts, repositories with numbered immutable versions, publications (repodata on disk),
// distributions (stable paths pointing at one publication), snapshots, and the record of which
// git tag was built into which artifact. Sizes fit in 32-bit integers (RPMs under 2 GiB).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('repo_artifacts')
    .addColumn('sha256', 'text', (c) => c.primaryKey())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('epoch', 'integer', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('release', 'text', (c) => c.notNull())
    .addColumn('arch', 'text', (c) => c.notNull())
    .addColumn('mtime', 'integer', (c) => c.notNull())
    .addColumn('stored_at', 'text', (c) => c.notNull())
    .addColumn('primary_xml', 'text', (c) => c.notNull())
    .addColumn('filelists_xml', 'text', (c) => c.notNull())
    .addColumn('other_xml', 'text', (c) => c.notNull())
    .execute();
  await addIdColumn(db, db.schema.createTable('repo_repositories'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('customer', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await addIdColumn(db, db.schema.createTable('repo_versions'))
    .addColumn('repository_id', 'integer', (c) => c.notNull().references('repo_repositories.id'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('repo_versions_number', ['repository_id', 'number'])
    .execute();
  await db.schema
    .createTable('repo_version_content')
    .addColumn('version_id', 'integer', (c) => c.notNull().references('repo_versions.id').onDelete('cascade'))
    .addColumn('sha256', 'text', (c) => c.notNull().references('repo_artifacts.sha256'))
    .addPrimaryKeyConstraint('repo_version_content_pk', ['version_id', 'sha256'])
    .execute();
  await db.schema
    .createIndex('repo_version_content_sha')
    .on('repo_version_content')
    .column('sha256')
    .execute();
  await addIdColumn(db, db.schema.createTable('repo_publications'))
    .addColumn('sources_key', 'text', (c) => c.notNull().unique())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('repo_publication_sources')
    .addColumn('publication_id', 'integer', (c) =>
      c.notNull().references('repo_publications.id').onDelete('cascade'),
    )
    .addColumn('version_id', 'integer', (c) => c.notNull().references('repo_versions.id'))
    .addPrimaryKeyConstraint('repo_publication_sources_pk', ['publication_id', 'version_id'])
    .execute();
  await addIdColumn(db, db.schema.createTable('repo_snapshots'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('repo_snapshot_versions')
    .addColumn('snapshot_id', 'integer', (c) =>
      c.notNull().references('repo_snapshots.id').onDelete('cascade'),
    )
    .addColumn('version_id', 'integer', (c) => c.notNull().references('repo_versions.id'))
    .addPrimaryKeyConstraint('repo_snapshot_versions_pk', ['snapshot_id', 'version_id'])
    .execute();
  await db.schema
    .createTable('repo_distributions')
    .addColumn('base_path', 'text', (c) => c.primaryKey())
    .addColumn('customer', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('publication_id', 'integer', (c) => c.notNull().references('repo_publications.id'))
    .addColumn('snapshot', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('package_builds')
    .addColumn('package', 'text', (c) => c.notNull())
    .addColumn('tag', 'text', (c) => c.notNull())
    .addColumn('commit_sha', 'text', (c) => c.notNull())
    .addColumn('tree_sha', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('log_path', 'text', (c) => c.notNull())
    .addColumn('built_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('package_builds_pk', ['package', 'tag'])
    .execute();
}
