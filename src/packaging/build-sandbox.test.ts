// The sandbox's bwrap arguments, in memory: what is mounted, what is covered, what the build's
// environment holds. The sandbox itself is tried against real bwrap in test/packaging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildEnv, bwrapArgs } from './build-sandbox.js';
import type { SandboxLayout } from './build-sandbox.js';

const layout: SandboxLayout = {
  tree: '/tmp/aare-build-x-1',
  system: [
    { path: '/usr', kind: 'dir' },
    { path: '/bin', kind: 'symlink', target: 'usr/bin' },
    { path: '/etc', kind: 'dir' },
  ],
  hide: [
    { path: '/etc/aare', dir: true },
    { path: '/usr/local/aare/key.asc', dir: false },
    { path: '/srv/control/.aare', dir: true },
  ],
  env: buildEnv('/build', 1_700_000_000),
  unprivileged: true,
};

/** The option pairs of an argument list, as `option value` strings. */
const pairs = (args: string[], option: string): string[] =>
  args.flatMap((a, i) => (a === option ? [`${args[i + 1]} ${args[i + 2] ?? ''}`.trim()] : []));

test('only the system directories are mounted, read-only; the build tree is the one writable place', () => {
  const args = bwrapArgs(layout, ['/usr/bin/rpmbuild', '-bb', 'x.spec']);
  assert.deepEqual(pairs(args, '--ro-bind'), ['/usr /usr', '/etc /etc', '/dev/null /usr/local/aare/key.asc']);
  assert.deepEqual(pairs(args, '--symlink'), ['usr/bin /bin']);
  assert.deepEqual(pairs(args, '--bind'), ['/tmp/aare-build-x-1 /build']);
  assert.deepEqual(args.slice(-4), ['--', '/usr/bin/rpmbuild', '-bb', 'x.spec']);
  for (const ns of ['--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-net']) {
    assert.ok(args.includes(ns), ns);
  }
  assert.equal(args[args.indexOf('--cap-drop') + 1], 'ALL');
  assert.equal(args[args.indexOf('--uid') + 1], '65534');
});

test('secrets under a mounted directory are covered; those elsewhere are simply not mounted', () => {
  const args = bwrapArgs(layout, ['true']);
  const tmpfs = args.flatMap((a, i) => (a === '--tmpfs' ? [args[i + 1]] : []));
  assert.deepEqual(tmpfs, ['/etc/aare', '/tmp', '/var/tmp']);
  assert.ok(!args.some((a) => a.startsWith('/srv')), 'nothing of /srv appears');
  // the covering mounts come after the directory they cover, or they would be hidden by it
  assert.ok(args.indexOf('/etc/aare') > args.lastIndexOf('/etc'));
});

test("the environment is cleared and holds only the build's variables", () => {
  const args = bwrapArgs({ ...layout, unprivileged: false }, ['true']);
  const clear = args.indexOf('--clearenv');
  assert.ok(clear > 0 && clear < args.indexOf('--setenv'));
  const set = args.flatMap((a, i) => (a === '--setenv' ? [args[i + 1]] : []));
  assert.deepEqual(set, ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR', 'SOURCE_DATE_EPOCH']);
  assert.ok(!args.includes('--uid'), 'as a non-root user, the build runs as that user');
});
