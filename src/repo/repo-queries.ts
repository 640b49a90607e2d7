// Reads that several jobs of the repository service share. Each takes the database or the
// caller's transaction, so that a job reads inside its own transaction where it writes.
import type { Store } from '../store/index.js';

type Db = Store['db'];

/** A stored package as listings show it. */
export interface PackageRef {
  sha256: string;
  filename: string;
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  size: number;
}

export function findRepository(db: Db, name: string) {
  return db.selectFrom('repo_repositories').selectAll().where('name', '=', name).executeTakeFirst();
}

/** A repository's newest version (every repository has version 0 from its creation). */
export function latestVersion(db: Db, repositoryId: number) {
  return db
    .selectFrom('repo_versions')
    .selectAll()
    .where('repository_id', '=', repositoryId)
    .orderBy('number', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
}

/** The newest version of a repository and its packages. */
export async function latestVersionContent(db: Db, repositoryId: number) {
  const latest = await latestVersion(db, repositoryId);
  const content = await db
    .selectFrom('repo_version_content as c')
    .innerJoin('repo_artifacts as a', 'a.sha256', 'c.sha256')
    .select(['a.sha256', 'a.filename', 'a.name'])
    .where('c.version_id', '=', latest.id)
    .execute();
  return { latest, content };
}

export function contentOf(db: Db, versionId: number): Promise<PackageRef[]> {
  return db
    .selectFrom('repo_version_content as c')
    .innerJoin('repo_artifacts as a', 'a.sha256', 'c.sha256')
    .select(['a.sha256', 'a.filename', 'a.name', 'a.epoch', 'a.version', 'a.release', 'a.arch', 'a.size'])
    .where('c.version_id', '=', versionId)
    .orderBy('a.filename')
    .execute();
}
