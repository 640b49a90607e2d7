import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { Migration, MigrationProvider, Transaction } from 'kysely';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DiagnosticsError, error } from '../diag/index.js';
import type { Database } from './schema.js';
import { migrations } from './migrations/index.js';

export type Dialect = 'sqlite' | 'postgres';

export interface StoreOptions {
  /** `postgres://...` selects PostgreSQL; otherwise `sqlitePath` is used. */
  databaseUrl?: string;
  /**
   * SQLite file; `:memory:` for tests of pure logic. Its folder is the state directory: it is
   * kept 0700 and the file 0600, whatever the umask or the modes they had.
   */
  sqlitePath?: string;
  /**
   * The caller knows the state is new (nothing else in the state directory), so a zero-byte
   * SQLite file may be taken as an empty state. Otherwise such a file is refused: it is what a
   * truncated state looks like, and starting over would forget repositories whose files remain.
   */
  newState?: boolean;
}

/** The database behind Aare's state. Owns one connection pool; close() when done. */
export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Runs fn in one transaction: all of its writes land, or none. */
  transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations as Record<string, Migration>),
};

/** Opens the store and brings its schema up to date. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const url = options.databaseUrl;
  let db: Kysely<Database>;
  let dialect: Dialect;
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    const pg = await import('pg');
    db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.default.Pool({ connectionString: url, max: 8 }) }),
    });
    dialect = 'postgres';
  } else {
    const path = options.sqlitePath ?? ':memory:';
    const database = await openSqlite(path, options.newState === true);
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    dialect = 'sqlite';
  }
  const migrator = new Migrator({ db, provider });
  const migrated = await migrator.migrateToLatest();
  if (migrated.error) {
    await db.destroy();
    if (dialect === 'sqlite' && isNotADatabase(migrated.error))
      throw stateCorrupt(options.sqlitePath ?? ':memory:', migrated.error);
    throw migrated.error instanceof Error ? migrated.error : new Error(String(migrated.error));
  }
  return {
    db,
    dialect,
    transaction: (fn) => db.transaction().execute(fn),
    close: () => db.destroy(),
  };
}

/**
 * Opens the SQLite file with the state directory 0700 and the file 0600 (SQLite gives its
 * -wal and -shm files the database file's mode). A zero-byte file (unless `newState`) and a file
 * that is not a SQLite database are STATE_CORRUPT diagnostics that say how to restore.
 */
async function openSqlite(path: string, newState: boolean) {
  if (path !== ':memory:') {
    const dir = dirname(path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // A folder with the sticky bit is shared (/tmp): the file is still private, the folder not ours.
    if ((statSync(dir).mode & 0o1000) === 0) chmodSync(dir, 0o700);
    const existing = statSync(path, { throwIfNoEntry: false });
    if (existing?.size === 0 && !newState) {
      throw new DiagnosticsError([
        error(
          'STATE_CORRUPT',
          `the state database ${path} is empty (0 bytes): everything Aare recorded (repositories, versions, distributions, plans) is gone while the files beside it remain, and Aare does not start over on its own. Restore ${path} from your backup; or, to start a new, empty state on purpose, remove the empty file (\`aare repo prune\` then frees the files nothing records)`,
        ),
      ]);
    }
    if (!existing) closeSync(openSync(path, 'a', 0o600));
    for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
  }
  const { default: SQLite } = await import('better-sqlite3');
  const database = new SQLite(path);
  try {
    database.pragma('journal_mode = WAL');
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
    database.prepare('select count(*) from sqlite_master').get();
  } catch (err) {
    database.close();
    if (isNotADatabase(err)) throw stateCorrupt(path, err);
    throw err;
  }
  return database;
}

/** SQLite's codes for a file that is not a database or whose pages are damaged. */
const NOT_A_DATABASE = new Set([
  'SQLITE_NOTADB',
  'SQLITE_CORRUPT',
  'SQLITE_CORRUPT_INDEX',
  'SQLITE_CORRUPT_SEQUENCE',
  'SQLITE_CORRUPT_VTAB',
]);

function isNotADatabase(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && NOT_A_DATABASE.has(code);
}

function stateCorrupt(path: string, err: unknown): DiagnosticsError {
  const code = String((err as { code?: unknown }).code);
  return new DiagnosticsError([
    error(
      'STATE_CORRUPT',
      `the state database ${path} is not a readable SQLite database (${code}); Aare changed nothing. Restore ${path} from your backup; or move it aside (mv ${path} ${path}.broken) to start with a new, empty state, after which repositories and builds must be published again`,
    ),
  ]);
}

/** Current time as stored: ISO-8601 UTC text on both backends, so ordering and display agree. */
export function nowIso(): string {
  return new Date().toISOString();
}

export { sql };
