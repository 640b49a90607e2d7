// `aare token` and `aare user` on a copy of the demo: a token is printed once and works (its hash
// only is stored), scopes are checked against the control repository, bad input names its
// option and changes nothing, and every change is in the audit log.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { authenticateToken } from '../../src/access/index.js';
import { openStore } from '../../src/store/index.js';
import { demoCopy, root } from '../release/release-helpers.js';

test('token create/list/revoke and user add/grant/revoke/list', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-access-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = demoCopy(join(dir, 'control'));
  const state = join(dir, 'state');
  const aare = (args: string[], input?: string) => {
    const r = spawnSync('node', [join(root, 'bin/aare.mjs'), ...args], {
      cwd: repo,
      encoding: 'utf8',
      input,
      env: {
        ...process.env,
        AARE_STATE_DIR: state,
        AARE_DATABASE_URL: '',
        AARE_NOW: '2027-03-01T10:00:00+01:00',
      },
    });
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    return r;
  };
  const made = aare([
    'token',
    'create',
    '--role',
    'customer-reader',
    '--scope',
    '/r/alpine-it/c/muster-ag',
    '--expires',
    '30d',
    '--name',
    'ci',
    '--json',
  ]);
  assert.equal(made.status, 0, made.stderr);
  const out = JSON.parse(made.stdout) as { token: string; id: string; expiresAt: string };
  assert.match(out.token, /^aare_/);
  assert.equal(out.expiresAt, '2027-03-31T09:00:00.000Z');
  const store = await openStore({ sqlitePath: join(state, 'state.db') });
  t.after(() => store.close());
  const auth = await authenticateToken(store, out.token, new Date('2027-03-02T00:00:00Z'));
  assert.ok('grants' in auth, JSON.stringify(auth));
  assert.deepEqual(auth.grants, [{ role: 'customer-reader', scope: '/r/alpine-it/c/muster-ag' }]);
  assert.equal(readFileSync(join(state, 'state.db')).includes(out.token), false);

  // bad input: each names its option, exits 1 or 2, and makes no token
  const bad: [string[], number, RegExp][] = [
    [
      ['--role', 'customer-reader', '--scope', '/r/alpine-it/c/nosuch', '--expires', '30d'],
      1,
      /--scope: error NOT_FOUND: no customer 'nosuch'/,
    ],
    [
      ['--role', 'customer-reader', '--scope', '/r/seeland-web/c/muster-ag', '--expires', '30d'],
      1,
      /NOT_FOUND: no customer 'muster-ag' of reseller 'seeland-web'/,
    ],
    [
      ['--role', 'customer-reader', '--scope', 'alpine-it', '--expires', '30d'],
      2,
      /--scope: error USAGE: scope 'alpine-it' is not a node/,
    ],
    [['--role', 'boss', '--scope', '/', '--expires', '30d'], 2, /--role: no role 'boss'/],
    [
      ['--role', 'customer-reader', '--scope', '/r/alpine-it', '--expires', '30d'],
      1,
      /customer-reader is a customer role/,
    ],
    [
      ['--role', 'customer-reader', '--scope', '/r/alpine-it/c/muster-ag', '--expires', 'soon'],
      2,
      /--expires must be a duration/,
    ],
  ];
  for (const [args, status, message] of bad) {
    const r = aare(['token', 'create', ...args]);
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  const listed = JSON.parse(aare(['token', 'list', '--json']).stdout) as { id: string; name: string }[];
  assert.deepEqual(
    listed.map((x) => [x.id, x.name]),
    [[out.id, 'ci']],
  );

  assert.equal(aare(['token', 'revoke', out.id]).status, 0);
  assert.deepEqual(await authenticateToken(store, out.token, new Date('2027-03-02T00:00:00Z')), {
    refusal: 'revoked',
  });

  // users: the password only from stdin
  assert.equal(aare(['user', 'add', 'anna']).status, 2);
  assert.equal(aare(['user', 'add', 'anna', '--password-stdin'], 'a long enough secret\n').status, 0);
  const g = aare([
    'user',
    'grant',
    'anna',
    '--role',
    'customer-approver',
    '--scope',
    '/r/alpine-it/c/muster-ag',
  ]);
  assert.equal(g.status, 0, g.stderr);
  assert.match(
    aare(['user', 'grant', 'anna', '--role', 'customer-approver', '--scope', '/r/alpine-it/c/muster-ag'])
      .stdout,
    /already has/,
  );
  const users = JSON.parse(aare(['user', 'list', '--json']).stdout) as { name: string; grants: unknown[] }[];
  assert.deepEqual(users, [
    {
      name: 'anna',
      grants: [{ role: 'customer-approver', scope: '/r/alpine-it/c/muster-ag' }],
      // the operator who ran `aare user add`: the OS account running the CLI
      createdBy: userInfo().username,
      createdAt: '2027-03-01T09:00:00.000Z',
    },
  ]);
  // a token for anna holds at most her roles
  const above = aare([
    'token',
    'create',
    '--user',
    'anna',
    '--role',
    'customer-admin',
    '--scope',
    '/r/alpine-it/c/muster-ag',
    '--expires',
    '1d',
  ]);
  assert.equal(above.status, 1);
  assert.match(above.stderr, /ACCESS_DENIED: user 'anna' does not hold customer-admin/);
  assert.equal(
    aare(['user', 'revoke', 'anna', '--role', 'customer-approver', '--scope', '/r/alpine-it/c/muster-ag'])
      .status,
    0,
  );

  const audit = (JSON.parse(aare(['audit', '--json']).stdout) as { action: string; result: string }[]).map(
    (e) => e.action,
  );
  assert.deepEqual(audit, [
    'access.token.create',
    'access.token.revoke',
    'access.user.add',
    'access.grant',
    'access.grant',
    'access.revoke',
  ]);
});
