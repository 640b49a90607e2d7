import type { StoreOptions } from '../../src/store/index.js';

/**
 * The backends every store-backed test suite runs on: SQLite always, PostgreSQL when the test
 * setup started one (AARE_TEST_PG_URL). Each call to `fresh()` gives an empty database.
 */
export function storeBackendsForTests(): { name: string; fresh: () => Promise<StoreOptions> }[] {
  const backends: { name: string; fresh: () => Promise<StoreOptions> }[] = [
    { name: 'sqlite', fresh: () => Promise.resolve({ sqlitePath: ':memory:' }) },
  ];
  const pgUrl = process.env.AARE_TEST_PG_URL;
  if (pgUrl) {
    backends.push({
      name: 'postgres',
      fresh: async () => {
        const pg = await import('pg');
        const name = `aare_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
        const admin = new pg.default.Client({ connectionString: pgUrl });
        await admin.connect();
        try {
          await admin.query(`CREATE DATABASE ${name}`);
        } finally {
          await admin.end();
        }
        const url = new URL(pgUrl);
        url.pathname = '/' + name;
        return { databaseUrl: url.toString() };
      },
    });
  }
  return backends;
}
