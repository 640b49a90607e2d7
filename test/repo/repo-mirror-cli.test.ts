// `aare repo remote add` and `aare repo sync` as a user runs them, on a copy of the demo control
// repository, against a createrepo_c upstream on 127.0.0.1: a sync killed (SIGKILL) while a
// package downloads leaves no new version, and the next sync completes without downloading any
// finished package again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hasTool, noRpmbuild } from './rpm-fixtures.js';
import { openUpstream } from './upstream-fixture.js';

const skip = noRpmbuild || (!hasTool('createrepo_c') ? 'createrepo_c is not installed' : false);
const root = resolve(import.meta.dirname, '../..');

/** Runs the CLI without blocking the event loop: the upstream answers from this process. */
function aare(cwd: string, args: string[], started?: (c: ChildProcess) => void) {
  return new Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }>(
    (done) => {
      const child = spawn('node', [join(root, 'bin/aare.mjs'), ...args, '--repo', cwd], {
        cwd,
        env: { ...process.env, AARE_STATE_DIR: '', AARE_DATABASE_URL: '', AARE_SERVE_URL: '' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.on('close', (status, signal) => done({ status, signal, stdout, stderr }));
      started?.(child);
    },
  );
}

/** Resolves once `dir` holds `n` verified packages (files named by their sha256). */
function whenStaged(dir: string, n: number): Promise<void> {
  const staged = () => readdirSync(dir).filter((f) => /^[0-9a-f]{64}$/.test(f)).length >= n;
  return new Promise((done) => {
    const w = watch(dir, () => {
      if (staged()) {
        w.close();
        done();
      }
    });
    if (staged()) {
      w.close();
      done();
    }
  });
}

test(
  'a sync killed mid-download resumes without downloading anything twice',
  { skip, timeout: 300_000 },
  async (t) => {
    const demo = mkdtempSync(join(tmpdir(), 'aare-demo-'));
    const up = await openUpstream();
    t.after(async () => {
      await up.close();
      rmSync(demo, { recursive: true, force: true });
    });
    cpSync(join(root, 'examples/demo'), demo, { recursive: true, filter: (src) => !src.includes('/.aare') });
    const pkgs = ['golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
    await up.add(...pkgs.map((name) => ({ name, version: '1.0' })));
    const files = pkgs.map((p) => `/${p}-1.0-1.noarch.rpm`);

    const noKey = await aare(demo, ['repo', 'remote', 'add', 'os', up.url]);
    assert.equal(noKey.status, 2);
    assert.match(noKey.stderr, /--gpgkey is required/);
    const onDemand = await aare(demo, [
      'repo',
      'remote',
      'add',
      'os',
      up.url,
      '--gpgkey',
      up.keyUrl,
      '--policy',
      'on_demand',
    ]);
    assert.equal(onDemand.status, 2, onDemand.stderr);
    assert.match(onDemand.stderr, /on_demand policy .* is not supported yet/);
    assert.doesNotMatch(onDemand.stderr, /\n\s+at /, 'no stack trace');
    const add = await aare(demo, ['repo', 'remote', 'add', 'os', up.url, '--gpgkey', up.keyUrl]);
    assert.equal(add.status, 0, add.stderr);
    assert.match(add.stdout, /remote os -> http:\/\/127\.0\.0\.1:\d+\/ \(immediate; key [0-9A-F]{40}\)/);

    // golf's answer stops half-way until every other package was served; once the sync has
    // verified and staged those five, it is killed while golf is still downloading
    const held = files[0]!;
    const others = files.slice(1);
    let child: ChildProcess | undefined;
    const holding = new Promise<void>((r) =>
      up.hold(held, () => others.every((f) => up.completed.get(f) === 1), r),
    );
    const run = aare(demo, ['repo', 'sync', 'os'], (c) => (child = c));
    await holding;
    await whenStaged(join(demo, '.aare', 'mirror-staging', 'os'), others.length);
    child!.kill('SIGKILL');
    const killed = await run;
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    const versions = await aare(demo, ['repo', 'versions', 'os', '--json']);
    assert.deepEqual(
      (JSON.parse(versions.stdout) as { number: number }[]).map((v) => v.number),
      [0],
      'no partial version',
    );

    const resumed = await aare(demo, ['repo', 'sync', 'os']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stdout, /^os: version 1, 6 packages \(1 downloaded, [\d.]+ MiB; 5 already held\)$/m);
    assert.match(resumed.stderr, /os: packages 1\/1 packages, [\d.]+ MiB of [\d.]+ MiB/);
    for (const f of others) assert.equal(up.requests.get(f), 1, `${f} requested once`);
    assert.equal(up.requests.get(held), 2, 'the interrupted package is fetched again');
    assert.equal(up.completed.get(held), 1);
    const pkgList = await aare(demo, ['repo', 'packages', 'os', '--json']);
    assert.deepEqual((JSON.parse(pkgList.stdout) as { name: string }[]).map((p) => p.name).sort(), pkgs);

    const noop = await aare(demo, ['repo', 'sync']);
    assert.equal(noop.status, 0, noop.stderr);
    assert.match(noop.stdout, /^os: unchanged, 6 packages \(0 downloaded/m);
    assert.deepEqual(readdirSync(join(demo, '.aare', 'mirror-staging', 'os')), [], 'staging emptied');
  },
);
