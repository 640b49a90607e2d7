// The commands as a user runs them, on a copy of the demo control repository: package build
// from the shipped sources (offline), distribute, distributions --json, diff --json, and a bad
// upload reported as a diagnostic with a stable exit code and no stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hasTool, noPackageBuild } from './rpm-fixtures.js';

const root = resolve(import.meta.dirname, '../..');
const aare = (cwd: string, ...args: string[]) => {
  const r = spawnSync('node', [join(root, 'bin/aare.mjs'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, AARE_STATE_DIR: '', AARE_DATABASE_URL: '', AARE_SERVE_URL: '' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

test('aare package build / repo on the demo', { skip: noPackageBuild, timeout: 300_000 }, (t) => {
  const demo = mkdtempSync(join(tmpdir(), 'aare-demo-'));
  t.after(() => rmSync(demo, { recursive: true, force: true }));
  cpSync(join(root, 'examples/demo'), demo, {
    recursive: true,
    filter: (src) => !src.includes('/.aare'),
  });
  const build = aare(demo, 'package', 'build', '--all-new-tags', '--repo', '.');
  assert.equal(build.status, 0, build.stderr);
  assert.match(
    build.stdout,
    /built muster-shop-1\.0\.0-1\.noarch\.rpm from muster-shop v1\.0\.0 -> muster-ag@1/,
  );
  assert.match(build.stdout, /built muster-shop-1\.1\.0-1\.noarch\.rpm/);
  assert.match(build.stdout, /built bergbahn-booking-1\.1\.0-1\.noarch\.rpm/);
  const again = aare(demo, 'package', 'build', '--all-new-tags');
  assert.equal(again.status, 0, again.stderr);
  assert.doesNotMatch(again.stdout, /^built/m);

  assert.equal(aare(demo, 'repo', 'distribute', 'muster-ag', 'test').status, 0);
  const dists = aare(demo, 'repo', 'distributions', '--json');
  assert.equal(dists.status, 0, dists.stderr);
  assert.deepEqual(JSON.parse(dists.stdout), [
    {
      url: 'http://127.0.0.1:8080/repos/muster-ag/test/',
      customer: 'muster-ag',
      environment: 'test',
      packages: ['muster-shop'],
      gpgkey: 'http://127.0.0.1:8080/keys/RPM-GPG-KEY-aare',
      snapshot: null,
      versions: { 'muster-ag': 2 },
    },
  ]);
  const diff = aare(demo, 'repo', 'diff', 'muster-ag', '1', '2', '--json');
  assert.deepEqual(JSON.parse(diff.stdout).upgraded, [
    { name: 'muster-shop', arch: 'noarch', from: '1.0.0-1', to: '1.1.0-1', downgrade: false },
  ]);
  const table = aare(demo, 'repo', 'diff', 'muster-ag', '1', '2');
  assert.match(table.stdout, /upgraded.*muster-shop.*1\.0\.0-1.*1\.1\.0-1/);

  writeFileSync(join(demo, 'bad.rpm'), 'not an rpm');
  const bad = aare(demo, 'repo', 'upload', 'muster-ag', 'bad.rpm');
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, 'bad.rpm: error RPM_INVALID: not an RPM file (no RPM lead)\n');
  const usage = aare(demo, 'repo', 'diff', 'muster-ag', 'one', '2');
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /V1 must be a version number/);
  const unknown = aare(demo, 'package', 'build', 'nope');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /no package 'nope'.*known: bergbahn-booking, muster-shop/);
});

test('aare repo checks names against the control repository and writes nothing', (t) => {
  const demo = mkdtempSync(join(tmpdir(), 'aare-demo-'));
  t.after(() => rmSync(demo, { recursive: true, force: true }));
  cpSync(join(root, 'examples/demo'), demo, {
    recursive: true,
    filter: (src) => !src.includes('/.aare'),
  });
  const cases: [string[], RegExp][] = [
    [['repo', 'distribute', 'nosuch', 'test'], /^customer: error UNKNOWN_REFERENCE: no customer 'nosuch'/],
    [
      ['repo', 'distribute', 'muster-ag', 'staging'],
      /^environment: error UNKNOWN_REFERENCE: customer 'muster-ag' has no environment 'staging'/,
    ],
    [['repo', 'create', 'foo', '--customer', 'nosuch'], /^customer: error UNKNOWN_REFERENCE: no customer/],
  ];
  for (const [args, stderr] of cases) {
    const r = aare(demo, ...args);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, stderr);
    assert.equal(r.stdout, '');
  }
  const list = aare(demo, 'repo', 'list', '--json');
  assert.deepEqual(JSON.parse(list.stdout), [], 'nothing was written');
  const del = aare(demo, 'repo', 'delete', 'nosuch');
  assert.equal(del.status, 1);
  assert.equal(del.stderr, "repository: error NOT_FOUND: no repository named 'nosuch'\n");
  const undist = aare(demo, 'repo', 'undistribute', 'muster-ag', 'test');
  assert.equal(undist.status, 1);
  assert.equal(undist.stderr, "environment: error NOT_FOUND: no distribution 'muster-ag/test'\n");
  if (hasTool('script')) {
    // on a terminal, without --yes, prune only says what it would remove
    const tty = spawnSync('script', ['-qec', `node ${join(root, 'bin/aare.mjs')} repo prune`, '/dev/null'], {
      cwd: demo,
      encoding: 'utf8',
      env: { ...process.env, AARE_STATE_DIR: '', AARE_DATABASE_URL: '' },
    });
    assert.equal(tty.status, 0, tty.stdout);
    assert.match(tty.stdout, /would free .*nothing removed \(run with --yes to remove\)/);
  }
  const prune = aare(demo, 'repo', 'prune', '--older-than', 'soon');
  assert.equal(prune.status, 2);
  assert.match(prune.stderr, /--older-than must be a number and a unit/);
});
