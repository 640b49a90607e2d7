// The transport's retry rules against a real local HTTP server that answers from a script.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { openstack } from '../../../src/providers/index.js';

type Reply = { status: number; headers?: Record<string, string>; body?: string };
let script: Reply[] = [];
let seen: string[] = [];
const server = createServer((req, res) => {
  seen.push(`${req.method} ${req.url}`);
  const r = script.shift() ?? { status: 200, body: '{"ok":true}' };
  res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
  res.end(r.body ?? '');
});
let base = '';
before(async () => {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
});

const fast = { baseDelayMs: 5, maxDelayMs: 20 };
function reset(replies: Reply[]) {
  script = replies;
  seen = [];
}

describe('http transport', () => {
  test('GET is retried on 503 and 502, then succeeds', async () => {
    reset([{ status: 503 }, { status: 502 }, { status: 200, body: '{"a":1}' }]);
    const t = openstack.createHttpTransport({ retry: fast });
    const res = await t.request({ method: 'GET', url: `${base}/x` });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { a: 1 });
    assert.deepEqual(t.stats, { requests: 3, retries: 2 });
  });

  test('POST is not retried on 500: the server may have acted', async () => {
    reset([{ status: 500, body: '{"computeFault":{"message":"boom","code":500}}' }]);
    const t = openstack.createHttpTransport({ retry: fast });
    const res = await t.request({ method: 'POST', url: `${base}/servers`, body: { server: {} } });
    assert.equal(res.status, 500);
    assert.equal(openstack.openstackMessage(res.body), 'boom');
    assert.equal(seen.length, 1);
  });

  test('POST is retried on 429, honouring Retry-After', async () => {
    reset([
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 201, body: '{}' },
    ]);
    const t = openstack.createHttpTransport({ retry: fast });
    const t0 = Date.now();
    const res = await t.request({ method: 'POST', url: `${base}/servers`, body: {} });
    assert.equal(res.status, 201);
    assert.ok(Date.now() - t0 >= 950, `waited ${Date.now() - t0} ms, Retry-After said 1 s`);
    assert.equal(t.stats.retries, 1);
  });

  test('a Retry-After beyond the limit is not waited for', async () => {
    reset([{ status: 429, headers: { 'retry-after': '3600' } }]);
    const t = openstack.createHttpTransport({ retry: { ...fast, maxRetryAfterMs: 10_000 } });
    const res = await t.request({ method: 'GET', url: `${base}/x` });
    assert.equal(res.status, 429);
    assert.equal(t.stats.requests, 1);
  });

  test('gives up after the configured retries and returns the last answer', async () => {
    reset([{ status: 503 }, { status: 503 }, { status: 503 }]);
    const t = openstack.createHttpTransport({ retry: { ...fast, retries: 2 } });
    const res = await t.request({ method: 'DELETE', url: `${base}/x` });
    assert.equal(res.status, 503);
    assert.equal(t.stats.requests, 3);
  });

  test('connection refused: retried, then OPENSTACK_UNAVAILABLE naming the request', async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((ok) => closed.close(() => ok()));
    const t = openstack.createHttpTransport({ retry: { ...fast, retries: 2 } });
    await assert.rejects(
      t.request({ method: 'POST', url: `http://127.0.0.1:${port}/v3/auth/tokens` }),
      (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.equal((err as { code?: string }).code, 'OPENSTACK_UNAVAILABLE');
        assert.match(
          err.message,
          /POST http:\/\/127\.0\.0\.1:\d+\/v3\/auth\/tokens: .*ECONNREFUSED.* \(after 3 attempts\)/,
        );
        return true;
      },
    );
    assert.equal(t.stats.requests, 3);
  });

  test('an aborted signal stops the retries', async () => {
    reset([{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }]);
    const t = openstack.createHttpTransport({ retry: { baseDelayMs: 200, maxDelayMs: 200 } });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(t.request({ method: 'GET', url: `${base}/x`, signal: ac.signal }), {
      name: 'AbortError',
    });
    assert.equal(t.stats.requests, 1);
  });

  test('Retry-After as seconds or HTTP date', () => {
    assert.equal(openstack.retryAfterMs('7'), 7000);
    assert.equal(openstack.retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(openstack.retryAfterMs('soon'), undefined);
    assert.equal(openstack.retryAfterMs(null), undefined);
  });
});
