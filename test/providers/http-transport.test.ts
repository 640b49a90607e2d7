// The transport's retry rules against a real local HTTP server that answers from a script.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  ConnectionLostError,
  createHttpTransport,
  isConnectionLost,
  openstack,
  retryAfterMs,
} from '../../src/providers/index.js';

type Reply = {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Close the connection without answering. */
  hangUp?: boolean;
  delayMs?: number;
};
let script: Reply[] = [];
let seen: string[] = [];
/** When the client closed each connection (by the order the connections came in). */
let clientClosed: number[] = [];
const server = createServer((req, res) => {
  seen.push(`${req.method} ${req.url}`);
  const r = script.shift() ?? { status: 200, body: '{"ok":true}' };
  if (r.hangUp) {
    req.socket.destroy();
    return;
  }
  setTimeout(() => {
    res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
    res.end(r.body ?? '');
  }, r.delayMs ?? 0);
});
// the server never closes an idle connection first: the client's idle timeout is under test
server.keepAliveTimeout = 60_000;
server.on('connection', (socket: Socket) => {
  // a connection of an earlier test that closes now is written to that test's list
  const list = clientClosed;
  const i = list.push(0) - 1;
  const opened = Date.now();
  socket.on('end', () => (list[i] = Date.now() - opened));
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
  clientClosed = [];
}

/** Resolves when the client has closed every connection it opened. */
async function allClosedByClient(): Promise<number[]> {
  while (clientClosed.includes(0)) await new Promise((ok) => setTimeout(ok, 20));
  return clientClosed;
}

describe('http transport', () => {
  test('GET is retried on 503 and 502, then succeeds', async () => {
    reset([{ status: 503 }, { status: 502 }, { status: 200, body: '{"a":1}' }]);
    const t = createHttpTransport({ unavailableCode: 'OPENSTACK_UNAVAILABLE', retry: fast });
    const res = await t.request({ method: 'GET', url: `${base}/x` });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { a: 1 });
    assert.deepEqual(t.stats, { requests: 3, retries: 2 });
  });

  test('POST is not retried on 500: the server may have acted', async () => {
    reset([{ status: 500, body: '{"computeFault":{"message":"boom","code":500}}' }]);
    const t = createHttpTransport({ unavailableCode: 'OPENSTACK_UNAVAILABLE', retry: fast });
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
    const t = createHttpTransport({ unavailableCode: 'OPENSTACK_UNAVAILABLE', retry: fast });
    const t0 = Date.now();
    const res = await t.request({ method: 'POST', url: `${base}/servers`, body: {} });
    assert.equal(res.status, 201);
    assert.ok(Date.now() - t0 >= 950, `waited ${Date.now() - t0} ms, Retry-After said 1 s`);
    assert.equal(t.stats.retries, 1);
  });

  test('a Retry-After beyond the limit is not waited for', async () => {
    reset([{ status: 429, headers: { 'retry-after': '3600' } }]);
    const t = createHttpTransport({
      unavailableCode: 'OPENSTACK_UNAVAILABLE',
      retry: { ...fast, maxRetryAfterMs: 10_000 },
    });
    const res = await t.request({ method: 'GET', url: `${base}/x` });
    assert.equal(res.status, 429);
    assert.equal(t.stats.requests, 1);
  });

  test('gives up after the configured retries and returns the last answer', async () => {
    reset([{ status: 503 }, { status: 503 }, { status: 503 }]);
    const t = createHttpTransport({
      unavailableCode: 'OPENSTACK_UNAVAILABLE',
      retry: { ...fast, retries: 2 },
    });
    const res = await t.request({ method: 'DELETE', url: `${base}/x` });
    assert.equal(res.status, 503);
    assert.equal(t.stats.requests, 3);
  });

  test("connection refused: retried, then the caller's unavailable code naming the request", async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((ok) => closed.close(() => ok()));
    const t = createHttpTransport({
      unavailableCode: 'OPENSTACK_UNAVAILABLE',
      retry: { ...fast, retries: 2 },
    });
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
    const dns = createHttpTransport({ unavailableCode: 'DNS_UNAVAILABLE', retry: { ...fast, retries: 0 } });
    await assert.rejects(dns.request({ method: 'GET', url: `http://127.0.0.1:${port}/api/v1/servers` }), {
      code: 'DNS_UNAVAILABLE',
    });
  });

  test('an aborted signal stops the retries', async () => {
    reset([{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }]);
    const t = createHttpTransport({
      unavailableCode: 'OPENSTACK_UNAVAILABLE',
      retry: { baseDelayMs: 200, maxDelayMs: 200 },
    });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(t.request({ method: 'GET', url: `${base}/x`, signal: ac.signal }), {
      name: 'AbortError',
    });
    assert.equal(t.stats.requests, 1);
  });

  test('a POST whose connection closed unanswered is not sent again: ConnectionLostError', async () => {
    reset([{ status: 200 }, { status: 0, hangUp: true }]);
    const t = createHttpTransport({ unavailableCode: 'OPENSTACK_UNAVAILABLE', retry: fast });
    await t.request({ method: 'GET', url: `${base}/warm-up` });
    await assert.rejects(t.request({ method: 'POST', url: `${base}/projects`, body: {} }), (err: unknown) => {
      assert.ok(err instanceof ConnectionLostError);
      assert.equal(err.code, 'OPENSTACK_UNAVAILABLE');
      assert.equal(err.answerStarted, false);
      assert.equal(err.reusedConnection, true);
      assert.ok(isConnectionLost(err));
      return true;
    });
    assert.deepEqual(seen, ['GET /warm-up', 'POST /projects']);
  });

  test('an idle connection is closed by the client after idleTimeoutMs; an answer slower than that still arrives', async () => {
    reset([{ status: 200, delayMs: 500, body: '{"slow":true}' }]);
    const t = createHttpTransport({
      unavailableCode: 'OPENSTACK_UNAVAILABLE',
      retry: fast,
      idleTimeoutMs: 200,
    });
    const res = await t.request({ method: 'GET', url: `${base}/slow` });
    assert.deepEqual(res.body, { slow: true });
    const [open] = await allClosedByClient();
    // the upper bound only tells the client's close (after 200 ms idle) from the server's (60 s),
    // with room for a loaded machine
    assert.ok(open! >= 650 && open! < 10_000, `open ${open} ms: 500 ms answering, then 200 ms idle`);
  });

  test("a server's Keep-Alive: timeout= hint shortens the idle timeout (less one second)", async () => {
    reset([{ status: 200, headers: { 'keep-alive': 'timeout=2' } }]);
    const t = createHttpTransport({
      unavailableCode: 'OPENSTACK_UNAVAILABLE',
      retry: fast,
      idleTimeoutMs: 30_000,
    });
    await t.request({ method: 'GET', url: `${base}/hint` });
    const [open] = await allClosedByClient();
    assert.ok(open! >= 900 && open! < 10_000, `closed after ${open} ms: the hint said 2 s, ours 30 s`);
  });

  test('Retry-After as seconds or HTTP date', () => {
    assert.equal(retryAfterMs('7'), 7000);
    assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(retryAfterMs('soon'), undefined);
    assert.equal(retryAfterMs(null), undefined);
  });
});
