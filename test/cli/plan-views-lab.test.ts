// Plans against the lab's OpenStack: the smallest customer environment of a demo copy (its own
// state, a unique name prefix, DNS and backup left out) is planned, and the server's create lists
// flavor, image, network, fixed IP, rules and the user-data digest, never the user-data; `aare
// show plan` prints the stored plan as `aare plan` did. After an apply, a changed flavor is a
// `-/+` with the flavor forcing it, and `aare state list|show` lists what was applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { loadControlRepo } from '../../src/model/index.js';
import { openstack } from '../../src/providers/index.js';
import { withoutDnsAndBackup } from '../engine/lab-helpers.js';
import { catalogOf, ensureCatalog } from '../engine/lab-catalog.js';

const skip = process.env.OS_CLIENT_CONFIG_FILE
  ? false
  : 'no lab OpenStack (OS_CLIENT_CONFIG_FILE unset; run `eval "$(aare lab env)"`)';
const root = join(import.meta.dirname, '../..');
const demo = join(root, 'examples/demo');

test('plans of a demo environment against the lab', { skip, timeout: 900_000 }, async (t) => {
  const loaded = loadControlRepo(demo);
  const model = loaded.value;
  const client = openstack.openStackClientFromEnv({ env: process.env });
  await ensureCatalog(client, catalogOf(model.provider));
  const envs = new Map<string, typeof model.vms>();
  for (const vm of model.vms) {
    const k = `${vm.customer}/${vm.environment}`;
    envs.set(k, [...(envs.get(k) ?? []), vm]);
  }
  const [target, vms] = [...envs].sort((a, b) => a[1].length - b[1].length || (a[0] < b[0] ? -1 : 1))[0]!;
  const [customer, env] = target.split('/') as [string, string];
  const vm = vms[0]!;

  const prefix = `pv${Date.now().toString(36)}-`;
  const dir = mkdtempSync(join(tmpdir(), 'aare-plan-views-lab-'));
  cpSync(demo, dir, { recursive: true, filter: (src) => !src.includes('/.aare') });
  withoutDnsAndBackup(dir);
  const runEnv: NodeJS.ProcessEnv = { ...process.env, AARE_OPENSTACK_PREFIX: prefix };
  delete runEnv.AARE_DATABASE_URL;
  delete runEnv.AARE_STATE_DIR;
  const aare = (...args: string[]) => {
    const r = spawnSync(process.execPath, [join(root, 'bin/aare.mjs'), ...args], {
      cwd: dir,
      env: runEnv,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const scope = ['--customer', customer, '--env', env];
  let applied = false;
  t.after(async () => {
    if (applied) aare('destroy', '--customer', customer, '--yes', '--json');
    const domains = (await openstack.listDomains(client)).filter((d) => d.name.startsWith(prefix));
    for (const d of domains) await openstack.deleteDomain(client, d.id);
    rmSync(dir, { recursive: true, force: true });
  });

  const server = `openstack.server.${vm.address}`;
  const blockOf = (text: string, address: string) =>
    text.split(/\n(?=\S)/).find((b) => b.split('\n')[0]!.endsWith(` ${address}`)) ?? '';

  // a create: what it sets, the user-data as its digest and size
  const planned = aare('plan', ...scope, '--out', 'first.plan');
  assert.equal(planned.status, 0, planned.stderr);
  const block = blockOf(planned.stdout, server);
  assert.match(block, new RegExp(`^\\+ ${server.replace(/[.]/g, '\\.')}$`, 'm'));
  assert.match(block, new RegExp(`^ {6}flavor +=  ?"${vm.flavor}"$`, 'm'));
  assert.match(block, new RegExp(`^ {6}image +=  ?"${vm.image}"$`, 'm'));
  const cidr = model.customers.get(customer)!.environments.get(env)!.network.cidr;
  assert.match(
    block,
    new RegExp(`^ {6}network += "${customer}/${env} ${cidr.replace(/[.]/g, '\\.')}"$`, 'm'),
  );
  assert.match(block, /^ {6}fixedIp += "\d+\.\d+\.\d+\.\d+"$/m);
  assert.match(block, /^ {6}rules += \["(tcp|udp)\/\d+ from [^"]+"/m);
  assert.match(block, /^ {6}userData += sha256:[0-9a-f]{12}…$/m);
  assert.match(block, /^ {6}userDataBytes += \d+$/m);
  assert.match(block, /^ {6}parameters += \(\d+ values?\)$/m);
  assert.doesNotMatch(planned.stdout, /#cloud-config/);
  // the port and the security group show their own attributes
  assert.match(blockOf(planned.stdout, `openstack.port.${vm.address}`), /^ {6}ip += "\d+\.\d+\.\d+\.\d+"$/m);

  const shown = aare('show', 'plan', 'first.plan');
  assert.equal(shown.status, 0, shown.stderr);
  assert.equal(shown.stdout, planned.stdout);

  // --json: refresh progress as events, then the changes
  const json = aare('plan', ...scope, '--json');
  assert.equal(json.status, 0, json.stderr);
  const events = json.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; done?: number; total?: number });
  const progress = events.filter((e) => e.type === 'refresh.progress');
  assert.ok(progress.length > 0);
  assert.equal(progress.at(-1)!.done, progress.at(-1)!.total);
  assert.doesNotMatch(json.stdout, /#cloud-config/);

  // apply, then a flavor the server cannot change in place
  const apply = aare('apply', ...scope, '--yes', '--json');
  applied = true;
  assert.equal(apply.status, 0, apply.stderr + apply.stdout.slice(-2000));

  const tenantFile = join(dir, 'tenants', model.customers.get(customer)!.reseller, `${customer}.yaml`);
  const doc = parseDocument(readFileSync(tenantFile, 'utf8'));
  const newFlavor = vm.flavor === 'm1.small' ? 'm1.tiny' : 'm1.small';
  doc.setIn(['vms', vm.name, 'flavor'], newFlavor);
  writeFileSync(tenantFile, doc.toString());
  const replaced = aare('plan', ...scope);
  assert.equal(replaced.status, 0, replaced.stderr);
  const rblock = blockOf(replaced.stdout, server);
  assert.match(rblock, new RegExp(`^-/\\+ ${server.replace(/[.]/g, '\\.')}$`, 'm'));
  assert.match(
    rblock,
    new RegExp(`^ {6}flavor: "${vm.flavor}" -> "${newFlavor}" # forces replacement$`, 'm'),
  );
  assert.match(rblock, /^ {6}# the flavor changes: the server is rebuilt/m);
  assert.match(replaced.stdout, /^Plan: 0 to create, 0 to update, 1 to replace, 0 to delete/m);

  // what Aare manages now
  const list = aare('state', 'list', ...scope, '--json');
  assert.equal(list.status, 0, list.stderr);
  const rows = JSON.parse(list.stdout) as { address: string; kind: string; id: string | null }[];
  const row = rows.find((r) => r.address === server);
  assert.ok(row && row.kind === 'openstack.server' && typeof row.id === 'string', list.stdout);
  const one = aare('state', 'show', server, '--json');
  assert.equal(one.status, 0, one.stderr);
  const rec = JSON.parse(one.stdout) as { id: string; applied: { flavor: string; userData: string } };
  assert.equal(rec.id, row.id);
  assert.equal(rec.applied.flavor, vm.flavor);
  assert.match(rec.applied.userData, /^\[redacted\] sha256:/);
  assert.doesNotMatch(one.stdout, /#cloud-config/);
});
