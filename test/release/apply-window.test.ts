// Outside a customer's production window `aare apply` refuses a plan that would update, replace or
// delete a production resource, names the next window and records the refusal; `--emergency
// --reason` lets it through and records that. Walked with AARE_NOW on the demo's policy (default
// window 22:00 for 4 hours; muster-ag's own 21:00 for 3 hours; production from a week after the
// freeze).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { loadControlRepo } from '../../src/model/index.js';
import { windowRefusals } from '../../src/release/index.js';

const root = resolve(import.meta.dirname, '../..');
const demo = loadControlRepo(join(root, 'examples/demo')).value;
const m = demo.provider.maintenance;
const change = (address: string, action: string) => ({
  address,
  scope: address
    .split('/')
    .slice(0, address.startsWith('dns:') ? 0 : 2)
    .join('/'),
  action,
});
const at = (iso: string) => new Date(iso);

test('which production changes a closed window refuses, and the next window it names', () => {
  const early = at('2027-03-05T10:00:00+01:00');
  assert.deepEqual(windowRefusals(m, demo, [change('muster-ag/production/web1', 'create')], early), []);
  assert.deepEqual(windowRefusals(m, demo, [change('muster-ag/test/web1', 'delete')], early), []);
  assert.deepEqual(
    windowRefusals(
      m,
      demo,
      [change('muster-ag/production/web1', 'update'), change('muster-ag/production/db1', 'replace')],
      early,
    ),
    [
      {
        customer: 'muster-ag',
        environment: 'production',
        addresses: ['muster-ag/production/web1', 'muster-ag/production/db1'],
        next: { start: '2027-03-08T21:00:00+01:00', end: '2027-03-09T00:00:00+01:00' },
      },
    ],
  );
  // a customer-wide resource (its project) touches every production environment
  assert.deepEqual(
    windowRefusals(
      m,
      demo,
      [{ address: 'muster-ag/project', scope: 'muster-ag', action: 'delete' }],
      early,
    ).map((r) => `${r.customer}/${r.environment}`),
    ['muster-ag/production'],
  );
  // 21:30 on day 8: muster-ag's own window is open, the default one (22:00) not yet
  const evening = at('2027-03-08T21:30:00+01:00');
  const both = [
    change('muster-ag/production/web1', 'update'),
    change('bergbahn-ag/production/lb1', 'delete'),
  ];
  assert.deepEqual(
    windowRefusals(m, demo, both, evening).map((r) => [r.customer, r.next.start]),
    [['bergbahn-ag', '2027-03-08T22:00:00+01:00']],
  );
  // the default window runs past midnight
  assert.deepEqual(
    windowRefusals(m, demo, both, at('2027-03-09T01:59:00+01:00')).map((r) => r.customer),
    ['muster-ag'],
  );
  // after this month's window: next month's, in summer time
  assert.deepEqual(
    windowRefusals(m, demo, both, at('2027-03-10T12:00:00+01:00')).map((r) => [r.customer, r.next.start]),
    [
      ['bergbahn-ag', '2027-04-08T22:00:00+02:00'],
      ['muster-ag', '2027-04-08T21:00:00+02:00'],
    ],
  );
});

test('aare apply PLANFILE outside the window: refused and audited; --emergency --reason passes and is audited', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-apply-window-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = join(dir, 'control');
  cpSync(join(root, 'examples/demo'), repo, { recursive: true, filter: (src) => !src.includes('/.aare') });
  const planfile = join(dir, 'plan.json');
  const changeOf = (address: string, action: string) => ({
    address,
    kind: 'openstack.server',
    scope: address,
    endpoint: 'openstack',
    action,
    attrs: [],
    reasons: [],
    dependsOn: [],
  });
  writeFileSync(
    planfile,
    JSON.stringify({
      format: 'aare-plan/1',
      id: 'p1',
      createdAt: '2027-03-05T09:00:00.000Z',
      filter: { customer: 'muster-ag' },
      mode: 'apply',
      stateSerial: { 'muster-ag': 0 },
      changes: [changeOf('muster-ag/production/web1', 'update'), changeOf('muster-ag/test/web1', 'update')],
    }),
  );
  const aare = (...args: string[]) =>
    spawnSync('node', [join(root, 'bin/aare.mjs'), ...args], {
      cwd: repo,
      encoding: 'utf8',
      env: {
        ...process.env,
        AARE_NOW: '2027-03-05T10:00:00+01:00',
        AARE_STATE_DIR: join(dir, 'state'),
        AARE_DATABASE_URL: '',
        AARE_SERVE_URL: '',
        OS_CLIENT_CONFIG_FILE: join(dir, 'no-clouds.yaml'),
      },
    });
  const refused = aare('apply', planfile, '--yes');
  assert.equal(refused.status, 1);
  assert.match(
    refused.stderr,
    /error OUTSIDE_WINDOW: muster-ag\/production is outside its production window: the plan would change muster-ag\/production\/web1; the next window is 2027-03-08T21:00:00\+01:00 to 2027-03-09T00:00:00\+01:00/,
  );
  assert.doesNotMatch(refused.stderr, /\n\s+at /);
  const noReason = aare('apply', planfile, '--yes', '--emergency');
  assert.equal(noReason.status, 2);
  assert.match(noReason.stderr, /--emergency needs --reason/);
  const urgent = aare('apply', planfile, '--yes', '--emergency', '--reason', 'CVE-2027-0001 in the shop');
  assert.match(urgent.stderr, /emergency change outside the production window of muster-ag\/production/);
  assert.doesNotMatch(urgent.stderr, /OUTSIDE_WINDOW/);
  const audit = JSON.parse(aare('audit', '--json').stdout) as {
    action: string;
    result: string;
    customer?: string;
    detail: Record<string, unknown>;
  }[];
  assert.equal(audit.length, 2);
  assert.deepEqual(
    [audit[0]!.action, audit[0]!.result, audit[0]!.customer],
    ['apply', 'refused', 'muster-ag'],
  );
  assert.deepEqual(audit[0]!.detail.outsideWindow, [
    {
      environment: 'muster-ag/production',
      changes: ['muster-ag/production/web1'],
      nextWindow: { start: '2027-03-08T21:00:00+01:00', end: '2027-03-09T00:00:00+01:00' },
    },
  ]);
  // the override is recorded whatever the apply then did (here the lab's cloud is not configured)
  assert.equal(audit[1]!.action, 'apply');
  assert.deepEqual(audit[1]!.detail.emergency, {
    reason: 'CVE-2027-0001 in the shop',
    outsideWindow: audit[0]!.detail.outsideWindow,
  });
});
