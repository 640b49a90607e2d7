import type { Kysely } from 'kysely';

// The API's jobs (src/server/api, docs/api.md): long work (plan, apply, build, deploy, promote)
// runs in `aare serve` and is answered 202 with the job; its progress is kept as numbered events
// so that a client's event stream resumes after the last event it saw (Last-Event-ID), also after
// the job has ended. `scope` is the node of the tenant tree the job acts on: who may not read that
// node does not see the job.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    // queued, running, succeeded, failed
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    // the job's validated request (JSON): what it was asked to do
    .addColumn('request', 'text', (c) => c.notNull())
    // the answer of a job that ended (JSON), or its diagnostics when it failed
    .addColumn('result', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('api_jobs_scope').on('api_jobs').column('scope').execute();
  await db.schema
    .createTable('api_job_events')
    .addColumn('job_id', 'text', (c) => c.notNull())
    // 1, 2, 3, ... per job: the SSE event id
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('api_job_events_pk', ['job_id', 'seq'])
    .execute();
}
