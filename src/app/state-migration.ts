// Before one store, a checkout kept two SQLite files in its state directory: state.db (the
// engine: resources, journal, serials, lock) and state.sqlite (repositories, versions,
// publications, distributions, snapshots, package builds). The first command that opens the one
// store merges them into state.db, in one transaction, and renames state.sqlite aside so it is
// never read again. A lone state.sqlite becomes state.db.
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticsError, error } from '../diag/index.js';
import { STATE_FILE } from './app-config.js';

export const LEGACY_STATE_FILE = 'state.sqlite';
/** What the merged legacy file is renamed to. */
export const MIGRATED_SUFFIX = '.migrated';
/** kv row written in the merge's transaction: a merge that committed is never repeated. */
const MARKER = { scope: 'app', key: 'merged-state-sqlite' } as const;

export type StateMigration = 'none' | 'renamed' | 'merged';

/**
 * Brings `<stateDir>` to one state file. Idempotent. A conflict (both files hold rows of the same
 * table, which the old layout never produced) is a diagnostic and changes nothing.
 */
export async function migrateLegacyState(stateDir: string): Promise<StateMigration> {
  const legacy = join(stateDir, LEGACY_STATE_FILE);
  const target = join(stateDir, STATE_FILE);
  if (!existsSync(legacy)) return 'none';
  const { openStore } = await import('../store/index.js');
  // opening through the store brings each file to the current schema, and closing it folds its
  // write-ahead log into the file, so the file alone is the whole state
  await (await openStore({ sqlitePath: legacy })).close();
  if (!existsSync(target)) {
    renameSync(legacy, target);
    return 'renamed';
  }
  await (await openStore({ sqlitePath: target })).close();
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(target);
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    db.prepare('ATTACH DATABASE ? AS legacy').run(legacy);
    const merge = db.transaction(() => {
      const done = db
        .prepare('SELECT 1 FROM main.kv WHERE scope = ? AND key = ?')
        .get(MARKER.scope, MARKER.key);
      if (done) return;
      // rows may reference tables copied later (versions -> repositories): check at commit
      db.pragma('defer_foreign_keys = ON');
      const tables = (
        db
          .prepare(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%' ORDER BY name",
          )
          .all() as { name: string }[]
      ).map((t) => t.name);
      const count = (schema: string, table: string) =>
        (db.prepare(`SELECT count(*) AS n FROM ${schema}."${table}"`).get() as { n: number }).n;
      // kv is keyed: both files may hold rows of it (the repository lock's row, say); only one key
      // with two different values is a conflict
      const kvClash = (
        db
          .prepare(
            "SELECT m.scope, m.key FROM main.kv m JOIN legacy.kv l ON l.scope = m.scope AND l.key = m.key WHERE l.value <> m.value AND NOT (m.scope = 'repo' AND m.key = 'lock')",
          )
          .all() as { scope: string; key: string }[]
      ).length;
      const both = tables.filter((t) =>
        t === 'kv' ? kvClash > 0 : count('legacy', t) > 0 && count('main', t) > 0,
      );
      if (both.length > 0) {
        throw new DiagnosticsError([
          error(
            'CONFLICT',
            `cannot merge ${LEGACY_STATE_FILE} into ${STATE_FILE}: both hold rows of ${both.join(', ')}; ` +
              `keep one of them (move the other out of ${stateDir})`,
            { field: 'AARE_STATE_DIR' },
          ),
        ]);
      }
      for (const t of tables) {
        const columns = (db.prepare(`PRAGMA main.table_info("${t}")`).all() as { name: string }[])
          .map((c) => `"${c.name}"`)
          .join(', ');
        const insert = t === 'kv' ? 'INSERT OR IGNORE' : 'INSERT';
        db.prepare(`${insert} INTO main."${t}" (${columns}) SELECT ${columns} FROM legacy."${t}"`).run();
      }
      db.prepare('INSERT INTO main.kv (scope, key, value, updated_at) VALUES (?, ?, ?, ?)').run(
        MARKER.scope,
        MARKER.key,
        LEGACY_STATE_FILE,
        new Date().toISOString(),
      );
    });
    merge.immediate();
    db.prepare('DETACH DATABASE legacy').run();
  } finally {
    db.close();
  }
  renameSync(legacy, legacy + MIGRATED_SUFFIX);
  return 'merged';
}
