/**
 * The store: Aare's state in SQLite (default, a file under the control repository's .aare/) or
 * PostgreSQL (AARE_DATABASE_URL), with one set of migrations for both. It knows table shapes,
 * not what they mean to the layers above, and it never talks to anything but its database.
 */
export { openStore, nowIso, sql } from './store.js';
export type { Store, StoreOptions, Dialect } from './store.js';
export type { Database } from './schema.js';
