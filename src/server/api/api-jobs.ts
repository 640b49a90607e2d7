// Jobs of the API (docs/api.md): long work (plan, apply, build, deploy, promote) runs inside
// `aare serve`, is answered 202 at once, and records its progress as numbered events in the store.
// A stream replays the stored events after the client's Last-Event-ID and then follows new ones
// until the job's last event (`job.succeeded` or `job.failed`), so a client that lost its
// connection resumes where it was, on any server sharing the store. A job belongs to one node of
// the tenant tree (its scope): the routes decide on that node, exactly as for the thing itself.
//
// What a failure leaves: a job whose work throws ends `failed` with its diagnostics; any other
// error is a bug, logged by the server and recorded as INTERNAL with nothing of its message. A
// server that stops aborts its running jobs (their signal), which end `failed` as cancelled.
//
// A server that is killed cannot end its jobs. Each job records the process that runs it (its
// worker) and a lease the process renews while it lives; a server that starts, and every server
// from time to time, fails the jobs whose worker is gone (SERVER_CRASHED, with a last event so
// that streams end): a dead process on this host at once, any other worker once its lease ran
// out. A live worker's job, of another process of `--workers` or another server, is never touched.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { ScopePath } from '../../access/index.js';
import type { AppContext } from '../../app/index.js';
import { DiagnosticsError, error } from '../../diag/index.js';
import type { Diagnostic } from '../../diag/index.js';
import type { Store } from '../../store/index.js';

export type JobKind = 'plan' | 'apply' | 'build' | 'deploy' | 'promote';
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

/** The terminal events: a stream ends after one of them. */
export const JOB_END_EVENTS = ['job.succeeded', 'job.failed'] as const;

export interface Job {
  id: string;
  kind: JobKind;
  scope: ScopePath;
  state: JobState;
  actor: string;
  request: Record<string, unknown>;
  result?: unknown;
  errors?: Diagnostic[];
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

/** What a job's work gets: a sink for its progress events and the signal that cancels it. */
export interface JobRun {
  emit(type: string, data: Record<string, unknown>): void;
  signal: AbortSignal;
}

export interface JobSpec {
  kind: JobKind;
  scope: ScopePath;
  request: Record<string, unknown>;
  /** The work; its answer is the job's result. Throws DiagnosticsError for what the caller caused. */
  run(job: JobRun): Promise<unknown>;
  /**
   * What the API shows of the answer, when not all of it (a plan's resources hold their desired
   * attributes; readers see what the drivers display). The whole answer is kept for the server.
   */
  shown?(out: unknown): unknown;
}

/** How long a stream waits for a notification before it reads the store again (another server's job). */
const POLL_MS = 1000;

/** How long a job's worker holds it without renewing; it renews at a third of that. */
const LEASE_MS = 30_000;

interface Runner {
  running: Map<string, { ac: AbortController; done: Promise<void> }>;
  notify: EventEmitter;
  log: (err: unknown) => void;
  /** This process as a job's worker: host, pid, and a random part against a reused pid. */
  worker: string;
  heartbeat?: NodeJS.Timeout;
}

const runners = new WeakMap<AppContext, Runner>();

function runnerOf(app: AppContext): Runner {
  let r = runners.get(app);
  if (!r) {
    const notify = new EventEmitter();
    notify.setMaxListeners(0);
    r = {
      running: new Map(),
      notify,
      log: () => undefined,
      worker: `${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`,
    };
    runners.set(app, r);
  }
  return r;
}

/** Where the server logs a job's bug (its logger). */
export function setJobLogger(app: AppContext, log: (err: unknown) => void): void {
  runnerOf(app).log = log;
}

const leaseEnd = (app: AppContext) => new Date(app.config.now().getTime() + LEASE_MS).toISOString();

/**
 * Fails the jobs a killed server left, then keeps this process's leases and looks again, every
 * third of a lease, until stopJobs.
 */
export async function startJobLeases(app: AppContext): Promise<void> {
  const r = runnerOf(app);
  await failOrphanedJobs(app);
  r.heartbeat ??= setInterval(() => {
    void renewLeases(app)
      .then(() => failOrphanedJobs(app))
      .catch((err: unknown) => r.log(err));
  }, LEASE_MS / 3).unref();
}

async function renewLeases(app: AppContext): Promise<void> {
  const r = runnerOf(app);
  if (r.running.size === 0) return;
  await (
    await app.store()
  ).db
    .updateTable('api_jobs')
    .set({ locked_until: leaseEnd(app) })
    .where('worker', '=', r.worker)
    .where('state', 'in', ['queued', 'running'])
    .execute();
}

/** Whether the process a worker names is gone: on this host by its pid, elsewhere by its lease. */
export function workerGone(
  worker: string | null,
  lockedUntil: string | null,
  now: Date,
  host: string,
): boolean {
  if (worker === null || lockedUntil === null) return true;
  const [h, pid] = worker.split(':');
  if (h === host && pid !== undefined && /^\d+$/.test(pid) && !processAlive(Number(pid))) return true;
  return lockedUntil < now.toISOString();
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's process
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Ends, as failed with SERVER_CRASHED, each unfinished job whose worker is gone; answers their ids. */
export async function failOrphanedJobs(app: AppContext): Promise<string[]> {
  const r = runnerOf(app);
  const store = await app.store();
  const now = app.config.now();
  const open = await store.db
    .selectFrom('api_jobs')
    .select(['id', 'worker', 'locked_until'])
    .where('state', 'in', ['queued', 'running'])
    .execute();
  const failed: string[] = [];
  for (const j of open) {
    if (j.worker === r.worker || !workerGone(j.worker, j.locked_until, now, hostname())) continue;
    const errors = [
      error('SERVER_CRASHED', 'the job was cut off: the server that ran it stopped without ending it', {
        detail: 'submit it again: plans, applies and rollouts pick up where the work stopped',
      }),
    ];
    // only the one server whose update changes the row records the end: two that look at once
    // do not both write the last event
    const done = await store.db
      .updateTable('api_jobs')
      .set({ state: 'failed', result: JSON.stringify({ errors }), finished_at: now.toISOString() })
      .where('id', '=', j.id)
      .where('state', 'in', ['queued', 'running'])
      .where((eb) => (j.worker === null ? eb('worker', 'is', null) : eb('worker', '=', j.worker)))
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) continue;
    const last = await store.db
      .selectFrom('api_job_events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('job_id', '=', j.id)
      .executeTakeFirst();
    await store.db
      .insertInto('api_job_events')
      .values({
        job_id: j.id,
        seq: Number(last?.seq ?? 0) + 1,
        type: 'job.failed',
        data: JSON.stringify({ state: 'failed', code: 'SERVER_CRASHED' }),
        at: now.toISOString(),
      })
      .execute();
    r.notify.emit(j.id);
    failed.push(j.id);
  }
  return failed;
}

/** Aborts every job this process runs and waits for each to record its end. */
export async function stopJobs(app: AppContext): Promise<void> {
  const r = runnerOf(app);
  if (r.heartbeat) clearInterval(r.heartbeat);
  r.heartbeat = undefined;
  const all = [...r.running.values()];
  for (const j of all) j.ac.abort();
  await Promise.allSettled(all.map((j) => j.done));
}

export function jobUrl(id: string): string {
  return `/api/v1/jobs/${id}`;
}

/** Records the job as queued and starts its work in this process; answers the job at once. */
export async function startJob(app: AppContext, actor: string, now: Date, spec: JobSpec): Promise<Job> {
  const store = await app.store();
  const id = `job-${randomBytes(9).toString('base64url')}`;
  const createdAt = now.toISOString();
  await store.db
    .insertInto('api_jobs')
    .values({
      id,
      kind: spec.kind,
      scope: spec.scope,
      state: 'queued',
      actor,
      request: JSON.stringify(spec.request),
      result: null,
      created_at: createdAt,
      started_at: null,
      finished_at: null,
      worker: runnerOf(app).worker,
      locked_until: leaseEnd(app),
    })
    .execute();
  const r = runnerOf(app);
  const ac = new AbortController();
  const done = execute(app, store, r, id, spec, ac.signal).finally(() => r.running.delete(id));
  r.running.set(id, { ac, done });
  return {
    id,
    kind: spec.kind,
    scope: spec.scope,
    state: 'queued',
    actor,
    request: spec.request,
    createdAt,
  };
}

async function execute(
  app: AppContext,
  store: Store,
  r: Runner,
  id: string,
  spec: JobSpec,
  signal: AbortSignal,
): Promise<void> {
  let seq = 0;
  // events are written in order, one after another; the work's sink is synchronous
  let writes: Promise<void> = Promise.resolve();
  const emit = (type: string, data: Record<string, unknown>) => {
    const n = ++seq;
    const at = app.config.now().toISOString();
    writes = writes
      .then(async () => {
        await store.db
          .insertInto('api_job_events')
          .values({ job_id: id, seq: n, type, data: JSON.stringify(data), at })
          .execute();
        r.notify.emit(id);
      })
      .catch((err: unknown) => r.log(err));
  };
  const finish = async (state: 'succeeded' | 'failed', result: unknown) => {
    await writes;
    await store.db
      .updateTable('api_jobs')
      .set({ state, result: JSON.stringify(result ?? null), finished_at: app.config.now().toISOString() })
      .where('id', '=', id)
      // a job another server already failed as crashed (this one stalled past its lease) stays so
      .where('state', '=', 'running')
      .execute();
    emit(state === 'succeeded' ? 'job.succeeded' : 'job.failed', { state });
    await writes;
  };
  try {
    await store.db
      .updateTable('api_jobs')
      .set({ state: 'running', started_at: app.config.now().toISOString() })
      .where('id', '=', id)
      .execute();
    emit('job.started', { kind: spec.kind });
    let out: unknown;
    try {
      out = await spec.run({ emit, signal });
    } catch (err) {
      await finish('failed', { errors: failureOf(err, signal, r) });
      return;
    }
    await finish('succeeded', {
      value: (spec.shown ? spec.shown(out) : out) ?? null,
      ...(spec.shown ? { kept: out } : {}),
    });
  } catch (err) {
    // the store itself failed (closed under the job): nothing more can be recorded
    r.log(err);
  }
}

function failureOf(err: unknown, signal: AbortSignal, r: Runner): Diagnostic[] {
  if (err instanceof DiagnosticsError) return err.diagnostics;
  if (signal.aborted) return [error('SERVER_CLOSING', 'the job was cancelled: the server stopped')];
  r.log(err);
  return [error('INTERNAL', 'the job failed unexpectedly (the server logged why)')];
}

function jobOf(row: {
  id: string;
  kind: string;
  scope: string;
  state: JobState;
  actor: string;
  request: string;
  result: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}): Job {
  const result = row.result === null ? undefined : (JSON.parse(row.result) as Record<string, unknown>);
  return {
    id: row.id,
    kind: row.kind as JobKind,
    scope: row.scope,
    state: row.state,
    actor: row.actor,
    request: JSON.parse(row.request) as Record<string, unknown>,
    ...(result && 'value' in result ? { result: result.value } : {}),
    ...(result && 'errors' in result ? { errors: result.errors as Diagnostic[] } : {}),
    createdAt: row.created_at,
    ...(row.started_at ? { startedAt: row.started_at } : {}),
    ...(row.finished_at ? { finishedAt: row.finished_at } : {}),
  };
}

const JOB_ID = /^job-[A-Za-z0-9_-]{12}$/;

/** The job, or undefined when there is none by that id. */
export async function findJob(app: AppContext, id: string): Promise<Job | undefined> {
  if (!JOB_ID.test(id)) return undefined;
  const row = await (
    await app.store()
  ).db
    .selectFrom('api_jobs')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? jobOf(row) : undefined;
}

/** The whole answer of a job that succeeded (what `shown` left out included). */
export async function keptResult(app: AppContext, id: string): Promise<unknown> {
  const row = await (
    await app.store()
  ).db
    .selectFrom('api_jobs')
    .select('result')
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row?.result) return undefined;
  const r = JSON.parse(row.result) as { value?: unknown; kept?: unknown };
  return 'kept' in r ? r.kept : r.value;
}

export async function listJobs(app: AppContext): Promise<Job[]> {
  const rows = await (await app.store()).db.selectFrom('api_jobs').selectAll().execute();
  return rows.map(jobOf);
}

/** The event id a stream resumes after: a whole number, else a diagnostic for the header. */
export function lastEventIdOf(header: string | undefined): number {
  if (header === undefined || header === '') return 0;
  if (!/^\d{1,9}$/.test(header))
    throw new DiagnosticsError([
      error('USAGE', 'Last-Event-ID must be an event id this stream sent', { field: 'header.Last-Event-ID' }),
    ]);
  return Number(header);
}

/**
 * The job's events after `after` as SSE frames, then each new one as it is recorded, until the
 * job's last event or until `signal` (the client went away).
 */
export async function* jobEvents(
  app: AppContext,
  id: string,
  after: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<string> {
  const store = await app.store();
  const notify = runnerOf(app).notify;
  let last = after;
  // an initial comment opens the stream at once, before the first event exists
  yield ': aare job events\n\n';
  while (!signal?.aborted) {
    const rows = await store.db
      .selectFrom('api_job_events')
      .selectAll()
      .where('job_id', '=', id)
      .where('seq', '>', last)
      .orderBy('seq')
      .execute();
    for (const e of rows) {
      last = e.seq;
      const data = { ...(JSON.parse(e.data) as Record<string, unknown>), at: e.at };
      yield `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(data)}\n\n`;
      if ((JOB_END_EVENTS as readonly string[]).includes(e.type)) return;
    }
    // resumed after the job's last event: nothing more will come
    if (rows.length === 0 && last > 0) {
      const ended = await store.db
        .selectFrom('api_job_events')
        .select('seq')
        .where('job_id', '=', id)
        .where('seq', '<=', last)
        .where('type', 'in', [...JOB_END_EVENTS])
        .executeTakeFirst();
      if (ended) return;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        notify.off(id, done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, POLL_MS);
      notify.on(id, done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
