// `aare serve --workers 2`: a worker killed outright does not stop the service. The other one
// answers every request meanwhile, the primary starts a replacement, and SIGTERM still stops all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { buildSignedRpm, noRpmbuild } from '../repo/rpm-fixtures.js';
import { openServeState, startServe } from './serve-process.js';

/** One GET on a connection of its own, so that the primary hands each to a worker afresh. */
function getOnce(url: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((ok, fail) => {
    get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => ok({ status: res.statusCode!, body: Buffer.concat(chunks) }));
    }).once('error', fail);
  });
}

const workerPids = (stderr: string): number[] =>
  [...stderr.matchAll(/worker (\d+) listening on/g)].map((m) => Number(m[1]));

test(
  'a killed worker is replaced while the other keeps serving',
  { skip: noRpmbuild, timeout: 120_000 },
  async (t) => {
    const st = await openServeState();
    t.after(() => st.close());
    await st.repo.createRepository('acme', 'acme');
    const path = await buildSignedRpm(join(st.dir, 'rpms'), { name: 'hello', version: '1.0' }, st.key);
    const rpm = readFileSync(path);
    assert.deepEqual((await st.repo.upload('acme', path)).diagnostics, []);
    assert.deepEqual((await st.repo.distribute('acme', 'test')).diagnostics, []);
    const srv = await startServe(
      st.dir,
      ['--workers', '2', '--url', 'https://pkgs.provider.test'],
      {},
      /(?:worker \d+ listening on [^\n]+\n[\s\S]*){2}/,
    );
    t.after(() => srv.stop());
    const url = `${srv.url}/repos/acme/test/Packages/hello-1.0-1.noarch.rpm`;
    const answered = async (n: number, when: string) => {
      for (let i = 0; i < n; i++) {
        const r = await getOnce(url);
        assert.equal(r.status, 200, `${when}, request ${i}`);
        assert.ok(r.body.equals(rpm), `${when}, request ${i}`);
      }
    };
    const [victim, survivor] = workerPids(srv.stderr());
    assert.ok(victim && survivor && victim !== survivor);
    await answered(10, 'before the kill');

    process.kill(victim, 'SIGKILL');
    await srv.waitFor(new RegExp(`worker ${victim} died \\(SIGKILL\\); starting another`));
    await answered(20, 'after the kill');
    await srv.waitFor(/(?:worker \d+ listening on [^\n]+\n[\s\S]*){3}/);
    const replacement = workerPids(srv.stderr())[2]!;
    assert.ok(![victim, survivor].includes(replacement));
    assert.ok(existsSync(`/proc/${replacement}`) && existsSync(`/proc/${survivor}`));
    assert.ok(
      !existsSync(`/proc/${victim}`) || /State:\s+Z/.test(readFileSync(`/proc/${victim}/status`, 'utf8')),
    );
    await answered(20, 'after the replacement');
    assert.equal(srv.child.exitCode, null, 'the primary is still running');

    await srv.stop();
    assert.equal(srv.child.exitCode, 0, srv.stderr());
    for (const pid of [survivor, replacement])
      assert.ok(!existsSync(`/proc/${pid}`), `worker ${pid} stopped`);
  },
);
