// `aare --server URL` (docs/api.md, "The CLI against a server"): each command that has a remote
// form prints byte for byte what it prints on the local state, run once locally and once against
// `aare serve` over the same state; API refusals become the local diagnostics and exit codes;
// commands without a remote form refuse, naming --server, and change nothing.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { freePort } from '../free-port.js';
import { aareAt } from '../release/release-helpers.js';
import type { AareRun } from '../release/release-helpers.js';
import { apiHarness, NOW, RELEASE } from './api-harness.js';
import type { ApiHarness } from './api-harness.js';
import { startServe } from './serve-process.js';
import type { ServeProcess } from './serve-process.js';

const PASSWORD = 'correct horse battery staple';

let h: ApiHarness;
let srv: ServeProcess;
let local: (...args: string[]) => AareRun;
let remote: (env: Record<string, string>, ...args: string[]) => AareRun;
let token: string;

before(async () => {
  h = await apiHarness();
  // one user holds every token of the state, so that its own tokens (what the API lists) are all
  const ops = await h.principal(
    'ops',
    [
      { role: 'provider-admin', scope: '/' },
      { role: 'customer-admin', scope: '/r/alpine-it/c/muster-ag' },
    ],
    { password: PASSWORD },
  );
  token = ops.token;
  const repo = join(h.dir, 'control');
  const state = join(h.dir, 'state');
  srv = await startServe(repo, [], { AARE_STATE_DIR: state, AARE_NOW: NOW });
  const run = aareAt(repo, state);
  local = (...args) => run(NOW, ...args);
  remote = (env, ...args) =>
    aareAt(repo, join(h.dir, 'no-state'), undefined, { AARE_SERVER: srv.url, ...env })(NOW, ...args);
});
after(async () => {
  await srv?.stop();
  await h?.close();
});

function same(args: string[], env: Record<string, string> = {}): AareRun {
  const l = local(...args);
  const r = remote({ AARE_TOKEN: token, ...env }, ...args);
  assert.equal(l.status, 0, l.stderr);
  assert.equal(r.stdout, l.stdout, `aare ${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr, l.stderr);
  assert.equal(r.status, l.status);
  return r;
}

describe('the same output locally and with --server', () => {
  for (const args of [
    ['show', 'vms'],
    ['show', 'vms', '--json'],
    ['show', 'customers'],
    ['show', 'customers', '--json'],
    ['release', 'list'],
    ['release', 'list', '--json'],
    ['release', 'diff', RELEASE, '--customer', 'muster-ag', '--no-plan'],
    ['release', 'diff', RELEASE, '--customer', 'muster-ag', '--no-plan', '--json'],
  ])
    test(`aare ${args.join(' ')}`, () => {
      same(args);
    });

  test('release accept and reject, then the list and the audit log they changed', () => {
    same(['release', 'accept', RELEASE, '--customer', 'muster-ag', '--comment', 'fine']);
    same(['release', 'reject', RELEASE, '--customer', 'muster-ag']);
    same(['release', 'list']);
    same(['audit']);
    same(['audit', '--json']);
    same(['audit', '--customer', 'muster-ag', '--json']);
    // the flag as well as the variable
    const r = remote({ AARE_TOKEN: token, AARE_SERVER: '' }, '--server', srv.url, 'audit', '--json');
    assert.equal(r.stdout, local('audit', '--json').stdout, r.stderr);
  });

  test('token create, list and revoke with the user’s password', () => {
    const asOps = { AARE_USER: 'ops', AARE_PASSWORD: PASSWORD };
    const created = remote(
      asOps,
      ...['token', 'create', '--role', 'customer-reader', '--scope', '/r/alpine-it/c/muster-ag'],
      ...['--expires', '30d', '--name', 'ci', '--json'],
    );
    assert.equal(created.status, 0, created.stderr);
    const made = JSON.parse(created.stdout) as { token: string; id: string; expiresAt: string };
    assert.match(made.token, /^aare_/);
    assert.equal(made.expiresAt, '2027-04-01T08:00:00.000Z');
    same(['token', 'list'], asOps);
    same(['token', 'list', '--json'], asOps);
    same(['token', 'revoke', made.id], asOps);
    same(['token', 'list', '--json'], asOps);
  });
});

describe('refusals', () => {
  test('an API refusal is the diagnostic and exit code of the local command', () => {
    const l = local('release', 'accept', '2031-01', '--customer', 'muster-ag');
    const r = remote({ AARE_TOKEN: token }, 'release', 'accept', '2031-01', '--customer', 'muster-ag');
    assert.equal(r.status, l.status);
    // the API answers every 404 alike (docs/api.md): the code is the same, its words are not
    assert.match(l.stderr, /error NOT_FOUND: /);
    assert.match(r.stderr, /^error NOT_FOUND: /);
    const bad = remote({ AARE_TOKEN: 'aare_nonsense' }, 'show', 'vms', '--json');
    assert.equal(bad.status, 1);
    assert.equal(
      (JSON.parse(bad.stdout) as { errors: { code: string }[] }).errors[0]!.code,
      'UNAUTHENTICATED',
    );
  });

  test('commands without a remote form refuse naming --server, and change nothing', () => {
    const before = local('release', 'list', '--json').stdout;
    for (const args of [
      ['release', 'freeze'],
      ['apply', '--yes'],
      ['audit', 'verify'],
      ['show', 'roles'],
    ]) {
      const r = remote({ AARE_TOKEN: token }, ...args);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^error USAGE: .*--server/, args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
    assert.equal(local('release', 'list', '--json').stdout, before);
  });

  test('no token, a server that is not there', async () => {
    const none = remote({}, 'show', 'vms');
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^error USAGE: with --server, set AARE_TOKEN/);
    const closed = `http://127.0.0.1:${await freePort()}`;
    const gone = remote({ AARE_TOKEN: token, AARE_SERVER: closed }, 'release', 'list');
    assert.equal(gone.status, 1);
    assert.equal(gone.stderr, `--server: error SERVER_UNREACHABLE: ${closed}: ECONNREFUSED\n`);
  });
});
