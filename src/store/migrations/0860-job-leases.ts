import type { Kysely } from 'kysely';

// Who runs a job (src/server/api/api-jobs.ts, docs/api.md): the process that started it records
// itself in `worker` (host, pid and a random part) and renews `locked_until` while the job runs.
// A server that was killed leaves its jobs `running`; another server (or the same one started
// again) fails a job whose owner is gone: a dead process on the same host at once, any other
// owner once its lease has run out. A live worker's job is never touched.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('api_jobs').addColumn('worker', 'text').execute();
  await db.schema.alterTable('api_jobs').addColumn('locked_until', 'text').execute();
}
