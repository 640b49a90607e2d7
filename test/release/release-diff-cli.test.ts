// `aare release diff` as a user runs it on a git copy of the demo, without the cloud (--no-plan):
// the parameters per VM of the customer's production against HEAD while no release is on
// production, then against the commit of the release production serves; the digest follows the
// parameters (an acceptance stops counting when they change) but not a commit that changes nothing
// for the customer. Without a cloud the diff warns instead of planning; with the lab it plans.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { testKey, testKeyFile } from '../repo/rpm-fixtures.js';
import { aareAt, committedRepo, demoCopy, ok, useSigningKey, root } from './release-helpers.js';
import type { AareRun } from './release-helpers.js';

interface Diff {
  release: string;
  commit: { from?: string; to: string };
  parameters: {
    vm: string;
    status: string;
    parameters: { profile: string; name: string; from?: unknown; to?: unknown; origin?: string }[];
  }[];
  parametersFrom: string;
  digest: string;
  plan?: { changes: { address: string; action: string }[]; counts: Record<string, number> };
}

const WEB2 = 'data/vm/muster-ag/production/web2.yaml';
const WEB2_ORIGIN =
  'value of profile::muster_shop::workers from data/vm/muster-ag/production/web2.yaml (hierarchy level "VM in one environment")';

/** The demo under git, signed with a test key, with a base and a muster-ag repository; its runners. */
async function demoRepo(t: { after: (f: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'aare-release-diff-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = join(dir, 'control');
  const state = join(dir, 'state');
  demoCopy(repo);
  await testKey('provider');
  useSigningKey(repo, testKeyFile('provider'));
  const git = committedRepo(repo);
  const aare = aareAt(repo, state);
  ok(aare('2027-02-01T00:00:00Z', 'repo', 'create', 'base'));
  ok(aare('2027-02-01T00:00:00Z', 'repo', 'create', 'muster-ag', '--customer', 'muster-ag'));
  /** `aare` with these environment variables on top (the cloud's). */
  const aareWith =
    (env: NodeJS.ProcessEnv) =>
    (now: string, ...args: string[]): AareRun => {
      const r = spawnSync('node', [join(root, 'bin/aare.mjs'), ...args], {
        cwd: repo,
        encoding: 'utf8',
        env: { ...process.env, AARE_NOW: now, AARE_STATE_DIR: state, AARE_DATABASE_URL: '', ...env },
      });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
  const commit = (message: string) => {
    git('commit', '-qam', message);
    return git('rev-parse', 'HEAD').trim();
  };
  return { dir, repo, git, aare, aareWith, commit, head: git('rev-parse', 'HEAD').trim() };
}

test('release diff: parameters per VM with their origin, in the digest', async (t) => {
  const { repo, aare, commit, head: first } = await demoRepo(t);
  const now = '2027-03-02T09:00:00+01:00';
  const diffOf = (release: string) =>
    JSON.parse(
      ok(aare(now, 'release', 'diff', release, '--customer', 'muster-ag', '--json', '--no-plan')),
    ) as Diff;

  ok(aare('2027-02-28T23:30:00Z', 'release', 'freeze'));
  // no release on production: against HEAD, which is the release's commit
  const d1 = diffOf('2027-03');
  assert.deepEqual(d1.commit, { to: first });
  assert.equal(d1.parametersFrom, first);
  assert.deepEqual(d1.parameters, []);
  assert.equal(d1.plan, undefined);
  ok(aare(now, 'release', 'accept', '2027-03', '--customer', 'muster-ag'));
  const decision = () =>
    (
      JSON.parse(ok(aare(now, 'release', 'list', '--json'))) as {
        name: string;
        decisions: { customer: string; current: boolean }[];
      }[]
    ).find((r) => r.name === '2027-03')!.decisions;

  // a commit that changes nothing for muster-ag: compared with it, the same digest
  appendFileSync(join(repo, 'data/customer/bergbahn-ag.yaml'), '# reviewed\n');
  const second = commit('a comment for bergbahn-ag');
  const d2 = diffOf('2027-03');
  assert.equal(d2.parametersFrom, second);
  assert.deepEqual(d2.parameters, []);
  assert.equal(d2.digest, d1.digest);
  assert.deepEqual(decision(), [{ customer: 'muster-ag', decision: 'accepted', current: true }]);

  // HEAD gives web2 more workers: the release would take them back, and the acceptance lapses
  writeFileSync(
    join(repo, WEB2),
    readFileSync(join(repo, WEB2), 'utf8').replace('workers: 8', 'workers: 12'),
  );
  const third = commit('web2: more workers');
  const d3 = diffOf('2027-03');
  assert.equal(d3.parametersFrom, third);
  assert.deepEqual(d3.parameters, [
    {
      vm: 'muster-ag/production/web2',
      status: 'changed',
      parameters: [{ profile: 'muster_shop', name: 'workers', from: 12, to: 8, origin: WEB2_ORIGIN }],
    },
  ]);
  assert.notEqual(d3.digest, d1.digest);
  assert.deepEqual(decision(), [{ customer: 'muster-ag', decision: 'accepted', current: false }]);

  // the next release, with production on the first: compared with the first's commit
  ok(aare('2027-03-15T09:00:00+01:00', 'release', 'freeze'));
  ok(aare(now, 'repo', 'distribute', 'muster-ag', 'production', '--snapshot', 'release-2027-03'));
  const d4 = diffOf('2027-03-2');
  assert.deepEqual(d4.commit, { from: first, to: third });
  assert.equal(d4.parametersFrom, first);
  assert.deepEqual(d4.parameters, [
    {
      vm: 'muster-ag/production/web2',
      status: 'changed',
      parameters: [{ profile: 'muster_shop', name: 'workers', from: 8, to: 12, origin: WEB2_ORIGIN }],
    },
  ]);
  assert.notEqual(d4.digest, d3.digest);
  // the release production runs changes nothing
  assert.deepEqual(diffOf('2027-03').parameters, []);

  const text = ok(aare(now, 'release', 'diff', '2027-03-2', '--customer', 'muster-ag', '--no-plan'));
  assert.match(text, new RegExp(`parameters \\(compared with ${first.slice(0, 12)}\\):`));
  assert.ok(
    text.includes(`~ muster-ag/production/web2\n    ~ muster_shop::workers: 8 → 12   (${WEB2_ORIGIN})\n`),
    text,
  );
  assert.match(text, new RegExp(`digest ${d4.digest}\\n$`));
});

test('release diff without a cloud: the diff, and a warning instead of the plan', async (t) => {
  const { dir, aareWith } = await demoRepo(t);
  const aare = aareWith({ OS_CLIENT_CONFIG_FILE: join(dir, 'no-clouds.yaml'), OS_CLOUD: 'aare-lab' });
  ok(aare('2027-02-28T23:30:00Z', 'release', 'freeze'));
  const r = aare(
    '2027-03-02T09:00:00+01:00',
    'release',
    'diff',
    '2027-03',
    '--customer',
    'muster-ag',
    '--json',
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stderr,
    /^warning OPENSTACK_CONFIG: no infrastructure plan \(aare release diff --no-plan skips it\): /,
  );
  const diff = JSON.parse(r.stdout) as Diff;
  assert.deepEqual(diff.parameters, []);
  assert.equal(diff.plan, undefined);
});

const labSkip = process.env.OS_CLIENT_CONFIG_FILE
  ? false
  : 'needs the lab (OpenStack): run `eval "$(aare lab env)"`';

test(
  'release diff with the lab: the plan of the release for the production environment',
  { skip: labSkip, timeout: 300_000 },
  async (t) => {
    const { aareWith } = await demoRepo(t);
    // a prefix of its own: nothing of this run's customers exists, so their servers are to create
    const aare = aareWith({ AARE_OPENSTACK_PREFIX: `rd${Date.now().toString(36)}-` });
    ok(aare('2027-02-28T23:30:00Z', 'release', 'freeze'));
    const now = '2027-03-02T09:00:00+01:00';
    const diff = JSON.parse(
      ok(aare(now, 'release', 'diff', '2027-03', '--customer', 'muster-ag', '--json')),
    ) as Diff;
    const servers = diff.plan!.changes.filter((c) => c.address.startsWith('openstack.server.'));
    assert.deepEqual(servers, [
      { address: 'openstack.server.muster-ag/production/db1', action: 'create' },
      { address: 'openstack.server.muster-ag/production/web1', action: 'create' },
      { address: 'openstack.server.muster-ag/production/web2', action: 'create' },
    ]);
    assert.deepEqual(Object.keys(diff.plan!.counts), ['create', 'update', 'replace', 'delete']);
    assert.equal(diff.plan!.counts.create, diff.plan!.changes.filter((c) => c.action === 'create').length);
    const text = ok(aare(now, 'release', 'diff', '2027-03', '--customer', 'muster-ag'));
    assert.match(text, /infrastructure plan of muster-ag\/production at [0-9a-f]{12}:\n/);
    assert.match(text, /\+ openstack\.server\.muster-ag\/production\/web2\n/);
    assert.match(text, /Plan: \d+ to create, 0 to update, 0 to replace, 0 to delete/);
  },
);
