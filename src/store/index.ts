/**
 * The store: Aare's state in the SQLite file or at the PostgreSQL URL it is given (src/app chooses:
 * `<stateDir>/state.db`, or AARE_DATABASE_URL), with one set of migrations for both. It knows
 * table shapes, not what they mean to the layers above; it reads no environment and never talks to
 * anything but its database.
 */
export { openStore, nowIso, sql } from './store.js';
export type { Store, StoreOptions, Dialect } from './store.js';
export type { Database } from './schema.js';
