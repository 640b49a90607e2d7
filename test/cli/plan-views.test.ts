// Plans as a user reads them, in memory: a create lists what it sets (the driver's display, never
// user-data), an update `~` and a replace `-/+` with the attributes that force it and the display
// values changed since the last apply, a delete `-`; refresh progress on a terminal only. Then
// the CLI on a state the in-memory engine wrote: `aare show plan FILE` prints what `aare plan`
// printed, a broken file is a diagnostic with line:col, and `aare state list|show`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openStore } from '../../src/store/index.js';
import { applyPlan, makePlan, readPlanFile, ref, writePlanFile } from '../../src/engine/index.js';
import type { DesiredResource, EngineContext, EngineEvent, Plan } from '../../src/engine/index.js';
import { planOutput } from '../../src/cli/plan-output.js';
import { MemoryCloud, memoryDriver } from '../engine/memory-driver.js';

const root = resolve(import.meta.dirname, '../..');
const SECRET = 'tok-3f9a-very-secret-user-data';

interface Vm {
  flavor: string;
  image: string;
  params: Record<string, unknown>;
}

function world(vms: Record<string, Vm>): DesiredResource[] {
  const out: DesiredResource[] = [
    {
      address: 't.net.muster/test',
      kind: 't.net',
      scope: 'muster/test',
      dependsOn: [],
      desired: { cidr: '10.0.0.0/24' },
    },
  ];
  for (const [name, vm] of Object.entries(vms)) {
    const customer = name === 'app1' ? 'other/prod' : 'muster/test';
    if (customer === 'other/prod' && !out.some((r) => r.address === 't.net.other/prod'))
      out.push({
        address: 't.net.other/prod',
        kind: 't.net',
        scope: 'other/prod',
        dependsOn: [],
        desired: { cidr: '10.1.0.0/24' },
      });
    out.push({
      address: `t.server.${customer}/${name}`,
      kind: 't.server',
      scope: `${customer}/${name}`,
      dependsOn: [],
      desired: {
        net: ref(`t.net.${customer}`),
        flavor: vm.flavor,
        image: vm.image,
        userData: `#cloud-config\n# ${SECRET}\n${JSON.stringify(vm.params)}`,
        params: vm.params,
      },
    });
  }
  return out;
}

/** A text sink standing in for stdout or a terminal's stderr. */
function sink(isTTY = false) {
  const chunks: string[] = [];
  return { isTTY, write: (s: string) => chunks.push(s), text: () => chunks.join('') };
}

async function engine(sqlitePath: string) {
  const store = await openStore({ sqlitePath });
  const cloud = new MemoryCloud();
  const server = memoryDriver(cloud, 't.server', { endpoint: 'nova', replaceOn: ['image'], withList: true });
  // what a provider's display does: names a reader knows, a digest for user-data, no secret
  server.display = (d) => ({
    flavor: d.flavor,
    image: d.image,
    userData: `sha256:${String(d.userData).length.toString(16).padStart(12, '0')}…`,
    parameters: d.params,
  });
  const drivers = new Map([
    ['t.net', memoryDriver(cloud, 't.net', { endpoint: 'neutron' })],
    ['t.server', server],
  ]);
  const events: EngineEvent[] = [];
  const ctx: EngineContext = { store, drivers, onEvent: (e) => events.push(e), recoveryGraceMs: 0 };
  const plan = async (desired: DesiredResource[]) => {
    const r = await makePlan(ctx, { desired, filter: {}, mode: 'apply' });
    assert.deepEqual(r.diagnostics, []);
    return r.value!;
  };
  return { store, ctx, events, plan };
}

const render = (plan: Plan, json = false, file?: string) => {
  const out = sink();
  planOutput(json, { stdout: out }).plan(plan, file);
  return out.text();
};

const first: Record<string, Vm> = {
  web1: { flavor: 'small', image: 'deb12', params: { 'nginx::port': 80, 'nginx::workers': 2 } },
  db1: { flavor: 'small', image: 'deb12', params: { 'pg::max_connections': 100 } },
  app1: { flavor: 'large', image: 'deb12', params: {} },
};
const second: Record<string, Vm> = {
  web1: { flavor: 'small', image: 'deb13', params: { 'nginx::port': 8080, 'nginx::workers': 2 } },
  db1: { flavor: 'large', image: 'deb12', params: { 'pg::max_connections': 100 } },
};

const aare = (args: string[], cwd: string) => {
  const env = { ...process.env };
  delete env.AARE_DATABASE_URL;
  delete env.AARE_STATE_DIR;
  const r = spawnSync('node', [join(root, 'bin/aare.mjs'), ...args], { cwd, encoding: 'utf8', env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

test('plan views in memory, show plan and state on the CLI', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-plan-views-'));
  mkdirSync(join(dir, '.aare'));
  const w = await engine(join(dir, '.aare', 'state.db'));
  t.after(async () => {
    await w.store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  await t.test(
    'a create lists the display of its driver, or its desired shape; user-data only as a digest',
    async () => {
      const p = await w.plan(world(first));
      const text = render(p);
      assert.match(
        text,
        /^\+ t\.server\.muster\/test\/web1\n {6}flavor {5}= "small"\n {6}image {6}= "deb12"\n {6}userData {3}= sha256:[0-9a-f]{12}…\n {6}parameters = \(2 values\)$/m,
      );
      // a driver without display: its desired shape, a ref known after apply
      assert.match(text, /^\+ t\.net\.muster\/test\n {6}cidr = "10\.0\.0\.0\/24"$/m);
      assert.match(text, /^Plan: 5 to create, 0 to update, 0 to replace, 0 to delete \(0 unchanged\)\.$/m);
      assert.doesNotMatch(text, new RegExp(SECRET));
      const json = render(p, true);
      assert.doesNotMatch(json, new RegExp(SECRET));
      const web1 = json
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; address?: string; symbol?: string; display?: object })
        .find((c) => c.address === 't.server.muster/test/web1')!;
      assert.equal(web1.symbol, '+');
      assert.deepEqual(Object.keys(web1.display!), ['flavor', 'image', 'userData', 'parameters']);
      // a stored plan with creates (attributes without `before`) reads back, shows the same, applies
      const file = join(dir, 'first.plan');
      writePlanFile(file, p);
      const shown = aare(['show', 'plan', file], dir);
      assert.equal(shown.stderr, '');
      assert.equal(shown.stdout, render(p, false, file));
      const r = await applyPlan(w.ctx, readPlanFile(file));
      assert.deepEqual(r.diagnostics, []);
      assert.equal(r.ok, true);
    },
  );

  let changed: Plan;
  await t.test(
    'update ~, replace -/+ with the forcing attribute and the changed parameters, delete -',
    async () => {
      changed = await w.plan(world(second));
      const text = render(changed);
      const block = (address: string) =>
        text.split(/\n(?=\S)/).find((b) => b.split('\n')[0]!.endsWith(` ${address}`)) ?? '';
      assert.equal(
        block('t.server.muster/test/web1'),
        [
          '-/+ t.server.muster/test/web1',
          '      image: "deb12" -> "deb13" # forces replacement',
          '      params: {"nginx::port":80,"nginx::workers":2} -> {"nginx::port":8080,"nginx::workers":2}',
          '      parameters.nginx::port: 80 -> 8080',
          '      # image cannot change in place',
        ].join('\n'),
      );
      const db1 = block('t.server.muster/test/db1');
      assert.match(db1, /^~ t\.server\.muster\/test\/db1\n {6}flavor: "small" -> "large"$/m);
      assert.doesNotMatch(db1, /forces replacement/);
      assert.match(text, /^- t\.server\.other\/prod\/app1$/m);
      assert.match(text, /^- t\.net\.other\/prod$/m);
      assert.match(text, /^Plan: 0 to create, 1 to update, 1 to replace, 2 to delete \(1 unchanged\)\.$/m);
      assert.doesNotMatch(text + render(changed, true), new RegExp(SECRET));
    },
  );

  await t.test(
    'refresh progress goes to a terminal, as NDJSON events with --json, and nowhere else',
    async () => {
      const progress = sink(true);
      const stdout = sink();
      const out = planOutput(false, { stdout, progress });
      const quiet = sink();
      const quietOut = planOutput(false, { stdout: quiet });
      const json = sink();
      const jsonOut = planOutput(true, { stdout: json });
      w.events.length = 0;
      await w.plan(world(second));
      for (const e of w.events) {
        out.onEvent(e);
        quietOut.onEvent(e);
        jsonOut.onEvent(e);
      }
      assert.match(progress.text(), /Refreshing… 0\/5 resources/);
      assert.match(progress.text(), /Refreshing… 5\/5 resources \(t\.(net|server)\)/);
      assert.ok(progress.text().endsWith('\r\x1b[K'), 'the progress line is cleared when refresh is done');
      assert.equal(stdout.text(), '');
      assert.equal(quiet.text(), '');
      const types = json
        .text()
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { type: string }).type);
      assert.deepEqual(types.slice(0, 2), ['plan.start', 'refresh.start']);
      assert.ok(types.filter((x) => x === 'refresh.progress').length >= 2);
    },
  );

  await t.test('aare show plan FILE prints what aare plan printed; a broken file names line:col', () => {
    const file = join(dir, 'changed.plan');
    writePlanFile(file, changed);
    const shown = aare(['show', 'plan', file], dir);
    assert.equal(shown.stderr, '');
    assert.equal(shown.status, 0);
    assert.equal(shown.stdout, render(changed, false, file));
    const json = aare(['show', 'plan', file, '--json'], dir);
    assert.equal(json.status, 0);
    // the file's keys come back in the schema's order: compare the documents
    const docs = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown);
    assert.deepEqual(docs(json.stdout), docs(render(changed, true, file)));

    writeFileSync(
      join(dir, 'broken.plan'),
      '{\n  "format": "aare-plan/1",\n  "id": "x" "createdAt": ""\n}\n',
    );
    const broken = aare(['show', 'plan', 'broken.plan'], dir);
    assert.equal(broken.status, 1);
    assert.equal(broken.stdout, '');
    assert.equal(broken.stderr, 'broken.plan:3:13: error JSON_SYNTAX: broken.plan is not valid JSON\n');
    writeFileSync(join(dir, 'cut.plan'), JSON.stringify(changed).slice(0, 100));
    const cut = aare(['show', 'plan', 'cut.plan'], dir);
    assert.equal(cut.status, 1);
    assert.match(
      cut.stderr,
      /^cut\.plan:1:101: error JSON_SYNTAX: cut\.plan ends in the middle of the plan\n$/,
    );
    writeFileSync(join(dir, 'other.plan'), '{"format": "aare-plan/2"}');
    const other = aare(['show', 'plan', 'other.plan'], dir);
    assert.equal(other.status, 1);
    assert.match(other.stderr, /error SCHEMA: other\.plan is not an Aare plan/);
    assert.doesNotMatch(broken.stderr + cut.stderr + other.stderr, /\n\s+at /);
    const missing = aare(['show', 'plan'], dir);
    assert.equal(missing.status, 2);
  });

  await t.test('aare state list and show read what the last apply recorded', () => {
    const list = aare(['state', 'list', '--json'], dir);
    assert.equal(list.status, 0, list.stderr);
    const rows = JSON.parse(list.stdout) as {
      address: string;
      kind: string;
      id: string;
      lastApplied: string;
    }[];
    assert.deepEqual(
      rows.map((r) => r.address),
      [
        't.net.muster/test',
        't.net.other/prod',
        't.server.muster/test/db1',
        't.server.muster/test/web1',
        't.server.other/prod/app1',
      ],
    );
    assert.ok(rows.every((r) => /^(net|server)-\d+$/.test(r.id) && !Number.isNaN(Date.parse(r.lastApplied))));
    const muster = JSON.parse(aare(['state', 'list', '--customer', 'other', '--json'], dir).stdout) as {
      address: string;
    }[];
    assert.deepEqual(
      muster.map((r) => r.address),
      ['t.net.other/prod', 't.server.other/prod/app1'],
    );
    const table = aare(['state', 'list'], dir);
    assert.match(table.stdout, /t\.server\.muster\/test\/web1 .*t\.server .*server-\d+/);

    const show = aare(['state', 'show', 't.server.muster/test/web1', '--json'], dir);
    assert.equal(show.status, 0, show.stderr);
    const one = JSON.parse(show.stdout) as { kind: string; applied: { flavor: string; userData: string } };
    assert.equal(one.kind, 't.server');
    assert.equal(one.applied.flavor, 'small');
    assert.match(one.applied.userData, /^\[redacted\] sha256:[0-9a-f]{12}… \(\d+ bytes\)$/);
    const text = aare(['state', 'show', 't.server.muster/test/web1'], dir);
    assert.match(text.stdout, /^kind {8}= t\.server$/m);
    assert.doesNotMatch(show.stdout + text.stdout, new RegExp(SECRET));

    const unknown = aare(['state', 'show', 'muster/test/web1'], dir);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /error NOT_FOUND: no resource muster\/test\/web1 in the state/);
    assert.match(unknown.stderr, /did you mean t\.server\.muster\/test\/web1/);
    const unknownJson = aare(['state', 'show', 'nothing', '--json'], dir);
    assert.equal(unknownJson.status, 1);
    assert.equal(
      (JSON.parse(unknownJson.stdout) as { errors: { code: string }[] }).errors[0]!.code,
      'NOT_FOUND',
    );
  });
});
