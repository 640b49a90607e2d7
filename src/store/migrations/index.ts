// Migrations in order. Names sort by their number; never edit one that has landed, add a new one.
import type { Migration } from 'kysely';
import * as base from './0001-base.js';

export const migrations: Record<string, Migration> = {
  '0001-base': base,
};
