// Jobs a killed server left (docs/api.md, "Jobs"): a plan job runs in `aare serve` and waits on a
// cloud that accepts connections and never answers; another server on the same state leaves the
// live job alone; the server is killed (SIGKILL), and the next one to start fails the job with
// SERVER_CRASHED and ends its event stream. Which worker counts as gone is also checked in memory.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { workerGone } from '../../src/server/api/api-jobs.js';
import { freePort } from '../free-port.js';
import { apiHarness, NOW } from './api-harness.js';
import type { ApiHarness } from './api-harness.js';
import { startServe } from './serve-process.js';
import type { ServeProcess } from './serve-process.js';

let h: ApiHarness;
let token: string;
const servers: ServeProcess[] = [];
const sockets = new Set<Socket>();
let connected: Promise<void>;
const cloud = createServer((s) => {
  sockets.add(s);
  s.on('error', () => undefined);
});

before(async () => {
  h = await apiHarness();
  token = (await h.principal('admin', [{ role: 'provider-admin', scope: '/' }])).token;
  connected = new Promise((ok) => cloud.once('connection', () => ok()));
  const port = await freePort();
  await new Promise<void>((ok) => cloud.listen(port, '127.0.0.1', ok));
  writeFileSync(
    join(h.dir, 'clouds.yaml'),
    `clouds:\n  aare-lab:\n    region_name: RegionOne\n    auth:\n      auth_url: http://127.0.0.1:${port}/v3\n` +
      `      username: nobody\n      password: secret\n      project_name: aare\n` +
      `      user_domain_name: Default\n      project_domain_name: Default\n`,
  );
});
after(async () => {
  for (const s of servers) await s.stop();
  for (const s of sockets) s.destroy();
  cloud.close();
  await h?.close();
});

const serve = async () => {
  const s = await startServe(join(h.dir, 'control'), [], {
    AARE_STATE_DIR: join(h.dir, 'state'),
    AARE_NOW: NOW,
    OS_CLIENT_CONFIG_FILE: join(h.dir, 'clouds.yaml'),
    OS_CLOUD: '',
  });
  servers.push(s);
  return s;
};

const api = (srv: ServeProcess, path: string, init: RequestInit = {}) =>
  fetch(`${srv.url}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
    signal: AbortSignal.timeout(20_000),
  });

describe('a job left by a killed server', () => {
  test('fails as SERVER_CRASHED when the next server starts; a live worker keeps its job', async () => {
    const first = await serve();
    const res = await api(first, '/customers/muster-ag/environments/test/plans', {
      method: 'POST',
      body: '{}',
    });
    assert.equal(res.status, 202, await res.clone().text());
    const { id } = (await res.json()) as { id: string };
    // the job is at work: it reached the cloud, which never answers
    await connected;
    const running = (await (await api(first, `/jobs/${id}`)).json()) as { state: string };
    assert.equal(running.state, 'running');

    const other = await serve();
    assert.equal(((await (await api(other, `/jobs/${id}`)).json()) as { state: string }).state, 'running');
    await other.stop();

    first.child.kill('SIGKILL');
    await new Promise((ok) =>
      first.child.exitCode !== null || first.child.signalCode !== null ? ok(0) : first.child.once('exit', ok),
    );

    const next = await serve();
    const job = (await (await api(next, `/jobs/${id}`)).json()) as {
      state: string;
      errors: { code: string }[];
    };
    assert.equal(job.state, 'failed');
    assert.deepEqual(
      job.errors.map((e) => e.code),
      ['SERVER_CRASHED'],
    );
    // the stream ends (text() resolves) with the last event
    const stream = await (await api(next, `/jobs/${id}/events`)).text();
    assert.match(stream, /event: job\.started/);
    assert.match(stream, /event: job\.failed\ndata: \{"state":"failed","code":"SERVER_CRASHED"/);
  });
});

describe('workerGone', () => {
  const now = new Date('2027-03-02T08:00:00Z');
  const fresh = '2027-03-02T08:00:30.000Z';
  const stale = '2027-03-02T07:59:00.000Z';
  test('a live process of this host with a fresh lease is not gone', () => {
    assert.equal(workerGone(`${hostname()}:${process.pid}:ab`, fresh, now, hostname()), false);
  });
  test('a live process whose lease ran out is gone (it stalled; another server fails its job)', () => {
    assert.equal(workerGone(`${hostname()}:${process.pid}:ab`, stale, now, hostname()), true);
  });
  test('a dead process of this host is gone at once', () => {
    assert.equal(workerGone(`${hostname()}:2147483646:ab`, fresh, now, hostname()), true);
  });
  test("another host's worker counts by its lease only", () => {
    assert.equal(workerGone('elsewhere:2147483646:ab', fresh, now, hostname()), false);
    assert.equal(workerGone('elsewhere:1:ab', stale, now, hostname()), true);
  });
  test('a job from before leases (no worker) is gone', () => {
    assert.equal(workerGone(null, null, now, hostname()), true);
  });
});
