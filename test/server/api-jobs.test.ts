// Jobs of /api/v1 (docs/api.md): 202 with Location, the job's state and result, its progress as
// Server-Sent Events with ids that a Last-Event-ID resumes after, a job scoped to the node it acts
// on (another tenant gets the one 404 on the job and on its stream), applies bound to a plan job,
// and every job that writes in the audit log with its principal. The runner's store part runs on
// SQLite and PostgreSQL.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import type { AppContext } from '../../src/app/index.js';
import { DiagnosticsError, error } from '../../src/diag/index.js';
import { listAudit } from '../../src/release/index.js';
import { jobEvents, startJob, stopJobs } from '../../src/server/api/api-jobs.js';
import { openStore } from '../../src/store/index.js';
import { storeBackendsForTests } from '../store/store-test-backends.js';
import { apiHarness } from './api-harness.js';
import type { ApiHarness } from './api-harness.js';

interface SseEvent {
  id: number;
  event: string;
  data: Record<string, unknown>;
}

function parseSse(body: string): SseEvent[] {
  return body
    .split('\n\n')
    .filter((f) => f.startsWith('id: '))
    .map((f) => {
      const line = (k: string) =>
        f
          .split('\n')
          .find((l) => l.startsWith(`${k}: `))!
          .slice(k.length + 2);
      return {
        id: Number(line('id')),
        event: line('event'),
        data: JSON.parse(line('data')) as Record<string, unknown>,
      };
    });
}

let h: ApiHarness;
let admin: { token: string; tokenId: string };
let reader: { token: string; tokenId: string };

before(async () => {
  h = await apiHarness();
  admin = await h.principal('admin', [{ role: 'provider-admin', scope: '/' }]);
  reader = await h.principal('reader', [{ role: 'customer-reader', scope: '/r/alpine-it/c/muster-ag' }]);
});
after(async () => h?.close());

const call = async (
  token: string,
  method: 'GET' | 'POST',
  url: string,
  opts: { payload?: object; headers?: Record<string, string> } = {},
) => {
  const res = await h.server.inject({
    method,
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${token}`, ...opts.headers },
    ...(method === 'POST' ? { payload: opts.payload ?? {} } : {}),
  });
  return { status: res.statusCode, body: res.body, headers: res.headers, json: () => JSON.parse(res.body) };
};

describe('a plan job', () => {
  let id: string;
  let events: SseEvent[];

  test('is answered 202 with its Location, and its stream ends with its last event', async () => {
    const res = await call(admin.token, 'POST', '/customers/muster-ag/environments/test/plans');
    assert.equal(res.status, 202, res.body);
    id = res.json().id as string;
    assert.equal(res.headers.location, `/api/v1/jobs/${id}`);
    assert.equal(res.json().scope, '/r/alpine-it/c/muster-ag');
    const stream = await call(admin.token, 'GET', `/jobs/${id}/events`);
    assert.equal(stream.status, 200);
    assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
    events = parseSse(stream.body);
    assert.deepEqual(
      events.map((e) => e.id),
      events.map((_e, i) => i + 1),
    );
    assert.equal(events[0]!.event, 'job.started');
    // no cloud is configured for these tests: the plan stops at the provider's configuration
    assert.equal(events.at(-1)!.event, 'job.failed');
    const job = (await call(admin.token, 'GET', `/jobs/${id}`)).json();
    assert.equal(job.state, 'failed');
    assert.equal(job.actor, `token:${admin.tokenId}`);
    assert.ok(job.errors.length > 0);
    assert.ok(job.finishedAt);
  });

  test('Last-Event-ID resumes after that event; after the last one the stream ends empty', async () => {
    const resumed = await call(admin.token, 'GET', `/jobs/${id}/events`, {
      headers: { 'last-event-id': '1' },
    });
    assert.deepEqual(parseSse(resumed.body), events.slice(1));
    const end = await call(admin.token, 'GET', `/jobs/${id}/events`, {
      headers: { 'last-event-id': String(events.at(-1)!.id) },
    });
    assert.deepEqual(parseSse(end.body), []);
    const bad = await call(admin.token, 'GET', `/jobs/${id}/events`, { headers: { 'last-event-id': 'x1' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().errors[0].field, 'header.Last-Event-ID');
  });

  test('an apply of a plan that failed is refused, naming the field', async () => {
    const res = await call(admin.token, 'POST', '/customers/muster-ag/environments/test/applies', {
      payload: { plan: id },
    });
    assert.equal(res.status, 400, res.body);
    assert.equal(res.json().errors[0].field, 'body.plan');
    const other = await call(admin.token, 'POST', '/customers/bergbahn-ag/environments/test/applies', {
      payload: { plan: id },
    });
    assert.equal(other.status, 400);
    assert.match(other.json().detail, /not a plan job of this environment/);
  });

  test('a replay of the same Idempotency-Key answers the same job and Location', async () => {
    const headers = { 'idempotency-key': 'plan-once-4711' };
    const url = '/customers/muster-ag/environments/production/plans';
    const first = await call(admin.token, 'POST', url, { headers });
    const again = await call(admin.token, 'POST', url, { headers });
    assert.equal(first.status, 202);
    assert.equal(again.status, 202);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.json().id, first.json().id);
    assert.equal(again.headers.location, first.headers.location);
  });
});

describe('a job belongs to the node it acts on', () => {
  test("another tenant's job and its stream are the one 404, the same as a job that does not exist", async () => {
    const foreign = await call(admin.token, 'POST', '/customers/uhrwerk-sa/environments/test/plans');
    const id = foreign.json().id as string;
    const own = await call(admin.token, 'POST', '/customers/muster-ag/environments/test/plans');
    assert.equal((await call(reader.token, 'GET', `/jobs/${own.json().id}`)).status, 200);
    const missing = await call(reader.token, 'GET', '/jobs/job-AAAAAAAAAAAA');
    for (const url of [`/jobs/${id}`, `/jobs/${id}/events`]) {
      const res = await call(reader.token, 'GET', url);
      assert.equal(res.status, 404, url);
      assert.equal(res.body, missing.body, url);
      assert.ok(!res.body.includes('uhrwerk') && !res.body.includes(id), res.body);
    }
    const listed = (await call(reader.token, 'GET', '/jobs')).json().items as { scope: string }[];
    assert.ok(listed.length > 0);
    assert.ok(listed.every((j) => j.scope === '/r/alpine-it/c/muster-ag'));
    // a reader may follow its customer's jobs but never start one
    const refused = await call(reader.token, 'POST', '/customers/muster-ag/environments/test/plans');
    assert.equal(refused.status, 403);
  });
});

describe('jobs that write are audited with their principal', () => {
  test('a build of a tag that does not exist ends failed, and the audit log says who asked', async () => {
    const res = await call(admin.token, 'POST', '/packages/muster-shop/builds', {
      payload: { tag: 'v9.9.9-none' },
    });
    assert.equal(res.status, 202, res.body);
    const id = res.json().id as string;
    const events = parseSse((await call(admin.token, 'GET', `/jobs/${id}/events`)).body);
    assert.equal(events.at(-1)!.event, 'job.failed');
    const job = (await call(admin.token, 'GET', `/jobs/${id}`)).json();
    assert.equal(job.kind, 'build');
    const audit = await listAudit(h.store, { customer: 'muster-ag' });
    const entry = audit.filter((e) => e.action === 'package.build').at(-1)!;
    assert.equal(entry.actor, `token:${admin.tokenId}`);
    assert.equal(entry.result, 'failed');
    assert.equal(entry.detail.tag, 'v9.9.9-none');
  });
});

for (const backend of storeBackendsForTests())
  test(`job events are stored and resumed (${backend.name})`, async () => {
    const store = await openStore(await backend.fresh());
    // the runner needs the store and the clock of the app context, nothing else
    const app = {
      store: () => Promise.resolve(store),
      config: { now: () => new Date() },
    } as unknown as AppContext;
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const job = await startJob(app, 'token:test', new Date(), {
        kind: 'plan',
        scope: '/r/alpine-it/c/muster-ag',
        request: {},
        run: async (run) => {
          run.emit('step', { n: 1 });
          await gate;
          run.emit('step', { n: 2 });
          throw new DiagnosticsError([error('USAGE', 'stopped on purpose', { field: 'body' })]);
        },
      });
      const frames: string[] = [];
      const follow = (async () => {
        for await (const f of jobEvents(app, job.id, 0, undefined)) {
          frames.push(f);
          // the stream follows the running job: let it go on once the first step arrived
          if (f.includes('"n":1')) release();
        }
      })();
      await follow;
      const events = parseSse(frames.join(''));
      assert.deepEqual(
        events.map((e) => [e.id, e.event]),
        [
          [1, 'job.started'],
          [2, 'step'],
          [3, 'step'],
          [4, 'job.failed'],
        ],
      );
      const tail: string[] = [];
      for await (const f of jobEvents(app, job.id, 2, undefined)) tail.push(f);
      assert.deepEqual(parseSse(tail.join('')), events.slice(2));
      const row = await store.db
        .selectFrom('api_jobs')
        .selectAll()
        .where('id', '=', job.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.state, 'failed');
      assert.match(row.result!, /stopped on purpose/);
    } finally {
      await stopJobs(app);
      await store.close();
    }
  });
