// The API under load (docs/api.md, Load): 200 concurrent clients for a few seconds against
// `aare serve --workers 2` over one state (PostgreSQL with AARE_TEST_PG_URL, else SQLite) get no
// error, no timeout and no answer but 2xx, and both workers serve; two workers on one SQLite file
// take turns writing. bench/api runs the 30 s version.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { aareAt, ok } from '../release/release-helpers.js';
import { apiLoadState, cpuTicks, LOAD_PATH, runLoad, serveWorkers, workerPids } from './api-load.js';

test('200 clients against two workers: no error, both workers answer', { timeout: 180_000 }, async (t) => {
  const st = await apiLoadState(process.env.AARE_TEST_PG_URL || undefined);
  t.after(() => st.close());
  const srv = await serveWorkers(st, 2);
  t.after(() => srv.stop());
  const pids = workerPids(srv.stderr());
  assert.equal(pids.length, 2, srv.stderr());
  const before = pids.map(cpuTicks);
  const figures = await runLoad(`${srv.url}${LOAD_PATH}`, {
    connections: 200,
    seconds: 4,
    headers: { authorization: `Bearer ${st.token}` },
    // correctness, not latency (bench/api measures that): a shared CI machine may be slow
    timeout: 30,
  });
  const spent = pids.map((pid, i) => cpuTicks(pid) - before[i]!);
  t.diagnostic(`${st.backend}: ${JSON.stringify(figures)}, worker CPU ticks ${spent.join(' ')}`);
  assert.ok(figures.requests > 0, JSON.stringify(figures));
  assert.equal(figures.errors, 0);
  assert.equal(figures.timeouts, 0);
  assert.equal(figures.non2xx, 0);
  // the primary hands connections round robin: each worker does a fair part of the work
  const total = spent[0]! + spent[1]!;
  for (const s of spent) assert.ok(s >= total * 0.2, `worker CPU ticks ${spent.join(' ')}`);
  await srv.stop();
  assert.equal(srv.child.exitCode, 0, srv.stderr());
});

test(
  'two workers on one SQLite file take turns writing: every decision lands, the chain holds',
  { timeout: 180_000 },
  async (t) => {
    const st = await apiLoadState();
    t.after(() => st.close());
    const srv = await serveWorkers(st, 2);
    t.after(() => srv.stop());
    const figures = await runLoad(`${srv.url}/api/v1/releases/${st.release}/customers/muster-ag/decision`, {
      connections: 50,
      seconds: 3,
      method: 'POST',
      headers: { authorization: `Bearer ${st.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'accepted', onBehalf: { reason: 'load test' } }),
    });
    t.diagnostic(`sqlite writes: ${JSON.stringify(figures)}`);
    assert.ok(figures.requests > 10, JSON.stringify(figures));
    assert.equal(figures.errors, 0);
    assert.equal(figures.non2xx, 0);
    await srv.stop();
    // each decision on behalf wrote two audit entries, one after the other in the chain
    const aare = aareAt(st.repo, st.env.AARE_STATE_DIR!);
    const verified = ok(aare(new Date().toISOString(), 'audit', 'verify'));
    const entries = Number(/(\d+) entries/.exec(verified)?.[1]);
    assert.ok(entries >= 2 * figures.requests, `${verified} for ${figures.requests} decisions`);
  },
);
