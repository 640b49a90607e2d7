// `aare serve` (the real CLI, one process) against hostile clients: crafted and fuzzed RPM
// uploads with its memory watched and downloads answered throughout, uploads without the token,
// oversized and too many uploads, a forged Host header, a slow-header client, and a distribution
// moved back to an older snapshot under a client's conditional request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { overlappingRpm } from '../repo/rpm-crafted.js';
import { buildSignedRpm, noRpmbuild } from '../repo/rpm-fixtures.js';
import { openServeState, prng, rssOf, startServe } from './serve-process.js';
import type { ServeProcess, ServeState } from './serve-process.js';

const TOKEN = 'hostile-test-token-7f3a9c2e51b8';
const PUBLIC = 'https://pkgs.provider.test';
const MAX_UPLOAD = 2 * 1024 * 1024;
const SLOTS = 4;
const RSS_LIMIT = 300 * 1024 * 1024;

let st: ServeState;
let srv: ServeProcess;
let rpm: Buffer;
let packageUrl: string;
let repomdUrl: string;

before(async () => {
  if (noRpmbuild) return;
  st = await openServeState();
  await st.repo.createRepository('acme', 'acme');
  await st.repo.createRepository('fuzz', 'fuzz');
  const path = await buildSignedRpm(join(st.dir, 'rpms'), { name: 'hello', version: '1.0' }, st.key);
  rpm = readFileSync(path);
  assert.deepEqual((await st.repo.upload('acme', path)).diagnostics, []);
  assert.deepEqual((await st.repo.distribute('acme', 'test')).diagnostics, []);
  srv = await startServe(
    st.dir,
    [
      '--url',
      PUBLIC,
      '--allow-upload',
      '--max-upload-size',
      String(MAX_UPLOAD),
      '--max-concurrent-uploads',
      String(SLOTS),
    ],
    { AARE_UPLOAD_TOKEN: TOKEN },
  );
  packageUrl = `${srv.url}/repos/acme/test/Packages/hello-1.0-1.noarch.rpm`;
  repomdUrl = `${srv.url}/repos/acme/test/repodata/repomd.xml`;
});

after(async () => {
  await srv?.stop();
  await st?.close();
});

const skip = noRpmbuild;

const upload = (body: Buffer, token: string | null = TOKEN, repo = 'fuzz') =>
  fetch(`${srv.url}/api/repo/repositories/${repo}/packages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-rpm',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body,
  });

interface ProblemBody {
  status: number;
  code?: string;
  detail: string;
  errors?: { code: string; summary: string }[];
}

async function problemOf(r: Response): Promise<ProblemBody> {
  assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json(; charset=utf-8)?$/);
  const p = (await r.json()) as ProblemBody;
  assert.equal(p.status, r.status);
  return p;
}

/** Downloads the package and repomd.xml over and over until stopped; counts and times them. */
function downloadLoop() {
  let stopped = false;
  const seen = { rounds: 0, failures: [] as string[], slowestMs: 0 };
  const done = (async () => {
    while (!stopped) {
      for (const url of [packageUrl, repomdUrl]) {
        const t0 = performance.now();
        try {
          const r = await fetch(url);
          const body = Buffer.from(await r.arrayBuffer());
          if (r.status !== 200) seen.failures.push(`${url}: ${r.status}`);
          else if (url === packageUrl && !body.equals(rpm)) seen.failures.push(`${url}: other bytes`);
        } catch (err) {
          seen.failures.push(`${url}: ${(err as Error).message}`);
        }
        seen.slowestMs = Math.max(seen.slowestMs, performance.now() - t0);
      }
      seen.rounds++;
    }
  })();
  return {
    seen,
    stop: async () => {
      stopped = true;
      await done;
      return seen;
    },
  };
}

/** Watches the server's resident memory until stopped. */
function rssWatch(pid: number) {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssOf(pid));
  }, 100);
  return () => {
    clearInterval(timer);
    return Math.max(peak, rssOf(pid));
  };
}

test(
  'uploads without the token, or with a wrong one, are refused before the body is read',
  { skip },
  async () => {
    for (const token of [null, 'wrong-token-of-some-length', `${TOKEN}x`, TOKEN.slice(0, -1), '']) {
      const r = await upload(rpm, token, 'acme');
      assert.equal(r.status, 401, `token ${token}`);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer /);
      assert.equal((await problemOf(r)).code, 'UPLOAD_UNAUTHORIZED');
    }
    const basic = await fetch(`${srv.url}/api/repo/repositories/acme/packages`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-rpm', authorization: `Basic ${btoa(`x:${TOKEN}`)}` },
      body: rpm,
    });
    assert.equal(basic.status, 401);
    await basic.body?.cancel();
    const versions = (await (
      await fetch(`${srv.url}/api/repo/repositories/acme/versions`)
    ).json()) as unknown[];
    assert.equal(versions.length, 2, 'no refused upload made a version');
  },
);

test(
  'a crafted 1 MiB header is refused quickly with RPM_LIMIT and memory stays bounded',
  { skip },
  async () => {
    const crafted = overlappingRpm();
    assert.ok(crafted.length > 1024 * 1024);
    const peak = rssWatch(srv.pid);
    for (let i = 0; i < 8; i++) {
      const t0 = performance.now();
      const r = await upload(crafted);
      const ms = performance.now() - t0;
      assert.equal(r.status, 400);
      const p = await problemOf(r);
      assert.equal(p.code, 'RPM_LIMIT');
      assert.match(p.detail, /entries claim more data than the 65536 bytes it stores/);
      assert.ok(ms < 2_000, `refused after ${ms.toFixed(0)} ms`);
    }
    const rss = peak();
    assert.ok(rss < RSS_LIMIT, `RSS ${(rss / 2 ** 20).toFixed(0)} MiB`);
    assert.equal((await fetch(packageUrl)).status, 200);
  },
);

test('uploads beyond the size limit are 413, declared or streamed', { skip }, async () => {
  // declared: refused from the headers alone
  const declared = await rawRequest({ 'content-length': String(MAX_UPLOAD + 1) });
  assert.equal(declared.status, 413);
  assert.equal(JSON.parse(declared.body).code, 'UPLOAD_TOO_LARGE');
  // streamed (chunked, no length): cut when the limit is passed, the rest read and dropped
  const big = Buffer.alloc(MAX_UPLOAD + 256 * 1024, 1);
  const streamed = await fetch(`${srv.url}/api/repo/repositories/fuzz/packages`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-rpm', authorization: `Bearer ${TOKEN}` },
    body: new ReadableStream({
      start(c) {
        for (let at = 0; at < big.length; at += 64 * 1024) c.enqueue(big.subarray(at, at + 64 * 1024));
        c.close();
      },
    }),
    duplex: 'half',
  } as RequestInit);
  assert.equal(streamed.status, 413);
  assert.equal((await problemOf(streamed)).code, 'UPLOAD_TOO_LARGE');
  assert.deepEqual(leftovers(), [], 'no temporary upload left behind');
});

test('more concurrent uploads than the slots are answered 429', { skip }, async () => {
  // hold every slot with an upload whose body has started but not ended
  const held: ClientRequest[] = [];
  const answers: Promise<IncomingMessage>[] = [];
  for (let i = 0; i < SLOTS; i++) {
    const req = request(`${srv.url}/api/repo/repositories/fuzz/packages`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-rpm', authorization: `Bearer ${TOKEN}` },
    });
    answers.push(new Promise((ok, fail) => req.once('response', ok).once('error', fail)));
    req.write(rpm.subarray(0, 100));
    held.push(req);
  }
  await until(() => leftovers().length === SLOTS, 'every slot to be taken');
  const r = await upload(rpm);
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '1');
  assert.equal((await problemOf(r)).code, 'UPLOAD_BUSY');
  for (const req of held) req.end();
  for (const a of answers) {
    const res = await a;
    assert.equal(res.statusCode, 400); // a truncated RPM
    res.resume();
  }
  assert.deepEqual(leftovers(), []);
  assert.equal((await upload(rpm, TOKEN, 'fuzz')).status, 201, 'the slots are free again');
});

test(
  '1,000 mutated RPM uploads: every one answered, downloads answered throughout, RSS < 300 MB',
  { skip, timeout: 600_000 },
  async (t) => {
    const rnd = prng(17);
    const statuses = new Map<number, number>();
    const codes = new Map<string, number>();
    const downloads = downloadLoop();
    const peak = rssWatch(srv.pid);
    let next = 0;
    const mutants = Array.from({ length: 1000 }, () => mutate(rpm, rnd));
    await Promise.all(
      Array.from({ length: SLOTS }, async () => {
        while (next < mutants.length) {
          const body = mutants[next++]!;
          const r = await upload(body);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status >= 400) {
            const p = await problemOf(r);
            codes.set(p.code ?? '-', (codes.get(p.code ?? '-') ?? 0) + 1);
          } else {
            await r.body?.cancel();
          }
        }
      }),
    );
    const during = await downloads.stop();
    const rss = peak();
    const summary = `statuses ${JSON.stringify([...statuses])} codes ${JSON.stringify([...codes])} downloads ${during.rounds} rounds, slowest ${during.slowestMs.toFixed(0)} ms, RSS ${(rss / 2 ** 20).toFixed(0)} MiB`;
    t.diagnostic(summary);
    assert.equal(
      [...statuses.values()].reduce((a, b) => a + b),
      1000,
    );
    for (const s of statuses.keys()) assert.ok([200, 201, 400, 409].includes(s), `status ${s}: ${summary}`);
    assert.ok((codes.get('RPM_LIMIT') ?? 0) > 0 && (codes.get('RPM_INVALID') ?? 0) > 0, summary);
    assert.deepEqual(during.failures, [], summary);
    assert.ok(during.rounds > 10, summary);
    assert.ok(during.slowestMs < 2_000, summary);
    assert.ok(rss < RSS_LIMIT, summary);
    assert.equal(srv.child.exitCode, null, 'the server is still running');
    const afterwards = await fetch(packageUrl);
    assert.equal(afterwards.status, 200);
    assert.ok(Buffer.from(await afterwards.arrayBuffer()).equals(rpm));
    assert.deepEqual(leftovers(), []);
  },
);

test('a forged Host header never reaches an answer', { skip }, async () => {
  const paths: [string, string?][] = [
    ['/api/repo/distributions'],
    ['/api/repo/repositories'],
    ['/repos/acme/test/'],
    ['/repos/acme/test/repodata/repomd.xml'],
    ['/repos/acme/nope/'],
    ['/nothing/here'],
    ['/api/repo/repositories/acme/packages', 'POST'],
    ['http://evil.example/api/repo/distributions'],
  ];
  for (const [path, method] of paths) {
    const r = await rawRequest(
      { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' },
      method ?? 'GET',
      path,
    );
    const all = JSON.stringify(r.headers) + r.body;
    assert.doesNotMatch(all, /evil\.example/, `${method ?? 'GET'} ${path} -> ${r.status}`);
  }
  const dists = await rawRequest({ host: 'evil.example' }, 'GET', '/api/repo/distributions');
  const [d] = JSON.parse(dists.body) as { url: string; gpgkey: string }[];
  assert.equal(d?.url, `${PUBLIC}/repos/acme/test/`);
  assert.equal(d?.gpgkey, `${PUBLIC}/keys/RPM-GPG-KEY-aare`);
});

/** When `sock` closed, in ms from `t0`; a socket still open after 15 s fails the test instead of hanging it. */
function closeOf(sock: Socket, t0: number): Promise<number> {
  return new Promise<number>((ok) => {
    const giveUp = setTimeout(() => {
      sock.destroy();
      ok(Number.POSITIVE_INFINITY);
    }, 15_000);
    sock.once('close', () => {
      clearTimeout(giveUp);
      ok(performance.now() - t0);
    });
  });
}

test('a slow-header client is disconnected within seconds', { skip }, async () => {
  const t0 = performance.now();
  const sock = connect(Number(new URL(srv.url).port), '127.0.0.1');
  let answer = '';
  sock.setEncoding('utf8').on('data', (d: string) => (answer += d));
  sock.on('error', () => {}); // a write after the server closed: the close is what is tested
  sock.write('GET /repos/acme/test/repodata/repomd.xml HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  const drip = setInterval(() => sock.write('X-Slow: 1\r\n'), 300);
  const closedAfter = await closeOf(sock, t0);
  clearInterval(drip);
  assert.ok(closedAfter < 6_000, `closed after ${closedAfter.toFixed(0)} ms`);
  assert.match(answer, /^HTTP\/1\.1 408/);
  // a connection that says nothing at all is closed as well
  const t1 = performance.now();
  const silent = connect(Number(new URL(srv.url).port), '127.0.0.1').on('error', () => {});
  // read what the server sends (a 408 when its backstop cuts first): a paused socket holding
  // unread bytes never sees the server's close
  silent.resume();
  const silentAfter = await closeOf(silent, t1);
  assert.ok(silentAfter < 6_000, `silent connection closed after ${silentAfter.toFixed(0)} ms`);
});

test('moved to snapshot A, B, then back to A: a client holding B gets A, never 304', { skip }, async () => {
  assert.deepEqual((await st.repo.snapshot('snap-a', ['acme'])).diagnostics, []);
  const v2 = await buildSignedRpm(join(st.dir, 'rpms2'), { name: 'hello', version: '2.0' }, st.key);
  assert.deepEqual((await st.repo.upload('acme', v2)).diagnostics, []);
  assert.deepEqual((await st.repo.snapshot('snap-b', ['acme'])).diagnostics, []);
  const fetchRepomd = async (headers: Record<string, string> = {}) => {
    const r = await fetch(repomdUrl, { headers });
    return { r, body: Buffer.from(await r.arrayBuffer()) };
  };
  assert.deepEqual((await st.repo.distribute('acme', 'test', { snapshot: 'snap-a' })).diagnostics, []);
  const a = await fetchRepomd();
  assert.deepEqual((await st.repo.distribute('acme', 'test', { snapshot: 'snap-b' })).diagnostics, []);
  const b = await fetchRepomd();
  assert.notDeepEqual(a.body, b.body);
  const etagB = b.r.headers.get('etag')!;
  const sinceB = b.r.headers.get('last-modified') ?? b.r.headers.get('date')!;
  assert.equal((await fetchRepomd({ 'if-none-match': etagB })).r.status, 304, 'B is current');
  assert.deepEqual((await st.repo.distribute('acme', 'test', { snapshot: 'snap-a' })).diagnostics, []);
  const conditions: Record<string, string>[] = [
    { 'if-none-match': etagB, 'if-modified-since': sinceB },
    { 'if-modified-since': sinceB },
    { 'if-modified-since': new Date(Date.now() + 86_400_000).toUTCString() },
    { 'if-none-match': etagB },
  ];
  for (const headers of conditions) {
    const back = await fetchRepomd(headers);
    assert.equal(back.r.status, 200, JSON.stringify(headers));
    assert.ok(back.body.equals(a.body), 'A is served again');
    assert.equal(back.r.headers.get('etag'), a.r.headers.get('etag'));
  }
  // the old package is in A again, the new one is not
  assert.equal((await fetch(packageUrl)).status, 200);
});

/** Upload folders the server has open now. */
function leftovers(): string[] {
  const dir = join(st.stateDir, 'uploads');
  return existsSync(dir) ? readdirSync(dir) : [];
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 20));
  }
}

/** One request over node:http with exactly these headers (fetch will not forge Host). */
function rawRequest(
  headers: Record<string, string>,
  method = 'POST',
  path = '/api/repo/repositories/fuzz/packages',
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { port } = new URL(srv.url);
  return new Promise((ok, fail) => {
    const req = request({
      host: '127.0.0.1',
      port,
      method,
      path,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-rpm', ...headers },
    });
    req.once('error', fail);
    req.once('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.once('end', () => ok({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.end();
  });
}

/** One mutant of a real RPM: bytes, lengths and counts changed the way an attacker would. */
function mutate(orig: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(orig);
  const int = (n: number) => Math.floor(rnd() * n);
  const extreme = () =>
    [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0xfffffff0, 1 << 16, 1 << 20, 1 << 24, int(2 ** 32)][int(10)]!;
  const sigCount = b.readUInt32BE(104);
  const sigEnd = 112 + sigCount * 16 + b.readUInt32BE(108);
  const main = sigEnd + ((8 - (sigEnd % 8)) % 8);
  const mainCount = b.readUInt32BE(main + 8);
  const entryField = (start: number, n: number) => start + 16 + int(n) * 16 + 4 * (1 + int(3));
  switch (int(9)) {
    case 0: // a few random bytes anywhere
      for (let k = 1 + int(8); k > 0; k--) b[int(b.length)] = int(256);
      return b;
    case 1: // a few bytes of the main header
      for (let k = 1 + int(8); k > 0; k--) b[main + int(mainCount * 16 + 16)] = int(256);
      return b;
    case 2: // type, offset or count of one index entry
      b.writeUInt32BE(extreme(), rnd() < 0.5 ? entryField(96, sigCount) : entryField(main, mainCount));
      return b;
    case 3: // the entry count or data size of a header
      b.writeUInt32BE(extreme(), (rnd() < 0.5 ? 96 : main) + 8 + 4 * int(2));
      return b;
    case 4: // every count of the main header at once, all pointing at the same data
      for (let i = 0; i < mainCount; i++) {
        b.writeUInt32BE(int(1 << 20), main + 16 + i * 16 + 12);
        if (rnd() < 0.5) b.writeUInt32BE(0, main + 16 + i * 16 + 8);
      }
      return b;
    case 5: // truncated
      return b.subarray(0, int(b.length));
    case 6: // garbage appended
      return Buffer.concat([b, Buffer.from(Array.from({ length: int(65_536) }, () => int(256)))]);
    case 7: {
      // a slice copied over another place
      const len = 1 + int(512);
      const from = int(b.length - len);
      b.copy(b, int(b.length), from, from + len);
      return b;
    }
    default: {
      // a run of zeros
      const from = int(b.length);
      return b.fill(0, from, Math.min(b.length, from + 1 + int(256)));
    }
  }
}
