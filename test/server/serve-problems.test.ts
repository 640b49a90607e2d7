// Every error answer of `aare serve` is RFC 9457 problem+json with Aare's stable code: the
// repository routes' refusals, the download fast path's, fastify's own (no route, a bad URL, an
// unsupported or unparsable body, one too large, validation), a handler that throws, the
// socket-level answers to requests that are not HTTP or have too large headers, and requests
// arriving while the server closes. Real HTTP requests against the server app on a loopback port.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { DiagnosticsError, error } from '../../src/diag/index.js';
import { createServerApp } from '../../src/server/index.js';
import { openServeState } from './serve-process.js';
import type { ServeState } from './serve-process.js';

const TOKEN = 'problems-test-token-5d1c';
let st: ServeState;
let app: FastifyInstance;
let base: string;
let port: number;
/** Resolved when the slow route is entered; the route answers when `releaseSlow` is called. */
let slowEntered: Promise<void>;
let releaseSlow: () => void;
/** Resolved when the server has begun to close (its preClose hooks run). */
let closeBegun: Promise<void>;

before(async () => {
  st = await openServeState();
  app = await createServerApp({
    repo: st.repo,
    stateDir: st.stateDir,
    publicUrl: 'https://pkgs.problems.test',
    upload: { token: TOKEN },
  });
  // routes that exist only in this test, for what the real routes never do on purpose
  app.get('/test/bug', () => {
    throw new Error('secret internals /var/lib/aare');
  });
  app.get('/test/refused', () => {
    throw new DiagnosticsError([error('CONFLICT', 'the thing is busy')]);
  });
  app.post(
    '/test/validated',
    { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } },
    () => ({ ok: true }),
  );
  let entered!: () => void;
  slowEntered = new Promise((ok) => (entered = ok));
  const released = new Promise<void>((ok) => (releaseSlow = ok));
  app.get('/test/slow', async () => {
    entered();
    await released;
    return { ok: true };
  });
  let begun!: () => void;
  closeBegun = new Promise((ok) => (begun = ok));
  app.addHook('preClose', (done) => {
    begun();
    done();
  });
  base = (await app.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1');
  port = Number(new URL(base).port);
});

after(async () => {
  releaseSlow?.();
  await app?.close();
  await st?.close();
});

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { code: string }[];
}

async function problemOf(r: Response, status: number, code: string): Promise<ProblemBody> {
  assert.equal(r.status, status, `${r.url}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json(; charset=utf-8)?$/, r.url);
  const p = (await r.json()) as ProblemBody;
  assertProblem(p, status, code);
  return p;
}

function assertProblem(p: ProblemBody, status: number, code: string): void {
  assert.equal(p.type, 'about:blank');
  assert.equal(p.status, status);
  assert.equal(typeof p.title, 'string');
  assert.ok(p.title.length > 0);
  assert.equal(typeof p.detail, 'string');
  assert.equal(p.code, code, JSON.stringify(p));
  assert.equal('statusCode' in p || 'message' in p || 'error' in p, false, 'no fastify shape');
}

const upload = (headers: Record<string, string>, body: string | Buffer) =>
  fetch(`${base}/api/repo/repositories/acme/packages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, ...headers },
    body,
  });

/** Sends raw bytes on a fresh connection; resolves with everything the server wrote back. */
function rawExchange(bytes: string | Buffer): Promise<string> {
  return new Promise((ok, fail) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (answer += d));
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? ok(answer) : fail(e)));
    socket.on('close', () => ok(answer));
  });
}

function problemInRaw(answer: string, status: number, code: string): void {
  const [head, body] = answer.split('\r\n\r\n', 2);
  assert.match(head!, new RegExp(`^HTTP/1.1 ${status} `), answer);
  assert.match(head!, /\r\ncontent-type: application\/problem\+json/i, answer);
  assertProblem(JSON.parse(body!) as ProblemBody, status, code);
}

test('routes and the download fast path refuse as problem+json with their code', async () => {
  await problemOf(await fetch(`${base}/no/such/route`), 404, 'NOT_FOUND');
  await problemOf(await fetch(`${base}/api/repo/nosuch`, { method: 'DELETE' }), 404, 'NOT_FOUND');
  await problemOf(await fetch(`${base}/repos/acme/test/repodata/repomd.xml`), 404, 'NOT_FOUND');
  await problemOf(await fetch(`${base}/repos/acme/te%ZZst/x`), 400, 'USAGE');
  const post = await fetch(`${base}/repos/acme/test/repodata/repomd.xml`, { method: 'POST' });
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  await problemOf(post, 405, 'METHOD_NOT_ALLOWED');
  const head = await fetch(`${base}/repos/acme/test/`, { method: 'HEAD' });
  assert.equal(head.status, 404);
  assert.match(head.headers.get('content-type') ?? '', /^application\/problem\+json/);

  const range = await fetch(`${base}/keys/RPM-GPG-KEY-aare`, { headers: { range: 'bytes=999999-' } });
  assert.match(range.headers.get('content-range') ?? '', /^bytes \*\/\d+$/);
  await problemOf(range, 416, 'RANGE_NOT_SATISFIABLE');

  const versions = await problemOf(
    await fetch(`${base}/api/repo/repositories/nosuch/versions`),
    404,
    'NOT_FOUND',
  );
  assert.equal(versions.errors?.[0]?.code, 'NOT_FOUND');
  const noToken = await fetch(`${base}/api/repo/repositories/acme/packages`, { method: 'POST', body: 'x' });
  await problemOf(noToken, 401, 'UPLOAD_UNAUTHORIZED');
});

test("fastify's own refusals are problem+json too", async () => {
  await problemOf(await upload({ 'content-type': 'application/xml' }, '<x/>'), 415, 'UNSUPPORTED_MEDIA_TYPE');
  await problemOf(await upload({ 'content-type': 'application/json' }, '{"broken'), 400, 'USAGE');
  const big = Buffer.alloc(1024 * 1024 + 10, 0x20);
  await problemOf(await upload({ 'content-type': 'application/json' }, big), 413, 'REQUEST_TOO_LARGE');
  const invalid = await fetch(`${base}/test/validated`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"name": {}}',
  });
  await problemOf(invalid, 400, 'USAGE');
  const missing = await fetch(`${base}/test/validated`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.match((await problemOf(missing, 400, 'USAGE')).detail, /name/);
  // a URL fastify cannot decode, on a path of its router (not the download fast path)
  await problemOf(await fetch(`${base}/api/repo/repositories/%E0%A4%A/versions`), 400, 'USAGE');
});

test('a handler that throws: a bug says nothing of the insides, diagnostics keep their code', async () => {
  const bug = await problemOf(await fetch(`${base}/test/bug`), 500, 'INTERNAL');
  assert.equal(bug.detail, 'internal error');
  const refused = await problemOf(await fetch(`${base}/test/refused`), 409, 'CONFLICT');
  assert.equal(refused.detail, 'the thing is busy');
});

test('requests that never become HTTP requests get a problem on the socket', async () => {
  problemInRaw(await rawExchange('NOT HTTP AT ALL\r\n\r\n'), 400, 'USAGE');
  const huge = `GET / HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`;
  problemInRaw(await rawExchange(huge), 431, 'HEADERS_TOO_LARGE');
});

// last: it closes the server
test('a request arriving while the server closes is refused with SERVER_CLOSING', async () => {
  const socket = connect(port, '127.0.0.1');
  await new Promise((ok) => socket.once('connect', ok));
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (answer += d));
  const closed = new Promise((ok) => socket.once('close', ok));
  socket.write(`GET /test/slow HTTP/1.1\r\nhost: x\r\n\r\n`);
  await slowEntered;
  const closing = app.close();
  await closeBegun;
  // the second request on the busy connection: released only once the server has seen it
  app.server.once('request', () => releaseSlow());
  socket.write(`GET /api/repo/repositories HTTP/1.1\r\nhost: x\r\n\r\n`);
  await closing;
  await closed;
  const second = answer.slice(answer.indexOf('HTTP/1.1', 1));
  problemInRaw(second, 503, 'SERVER_CLOSING');
});
