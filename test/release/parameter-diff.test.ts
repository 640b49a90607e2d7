// The release diff's parameters per VM, in memory: two copies of the small compile fixture, the
// second edited, resolved as compile resolves them. A changed value with its Hiera origin, a VM
// added to and one removed from the environment, a secret that changed (shown redacted, never its
// value), a value that only moved to another Hiera level (no change), and a diagnostic naming the
// commit it was found at.
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatDiagnostic } from '../../src/diag/index.js';
import { loadHiera } from '../../src/hiera/index.js';
import { loadControlRepo } from '../../src/model/index.js';
import { parameterChanges } from '../../src/release/index.js';
import type { ControlRepoTree } from '../../src/release/index.js';
import { root } from './release-helpers.js';

const small = join(root, 'test/compile/fixtures/small-repo');

/** The small fixture with a secret parameter, edited by `edit` (file → its new text from the old). */
function treeOf(t: { after: (f: () => void) => void }, edit: Record<string, (text: string) => string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'aare-param-diff-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(small, dir, { recursive: true });
  const change = (file: string, f: (text: string) => string) => {
    let text = '';
    try {
      text = readFileSync(join(dir, file), 'utf8');
    } catch {
      // a new file
    }
    writeFileSync(join(dir, file), f(text));
  };
  change('profiles/web.yaml', (s) =>
    s.replace('parameters:\n', 'parameters:\n  api_key:\n    type: Sensitive[String[1]]\n'),
  );
  change('data/customer/muster.yaml', (s) => s + "profile::web::api_key: 'old-api-key-4711'\n");
  for (const [file, f] of Object.entries(edit)) change(file, f);
  const controlRepo = loadControlRepo(dir);
  assert.deepEqual(controlRepo.diagnostics.map(formatDiagnostic), []);
  const hiera = loadHiera(controlRepo.value.hieraConfigFile);
  assert.deepEqual(hiera.diagnostics.map(formatDiagnostic), []);
  return { controlRepo: controlRepo.value, hiera: hiera.value } satisfies ControlRepoTree;
}

test('the same tree: no changes', (t) => {
  const before = treeOf(t);
  const r = parameterChanges(before, treeOf(t), 'muster', 'production');
  assert.deepEqual(r, { value: [], diagnostics: [] });
});

test('a changed value shows from, to and where the new value comes from', (t) => {
  const before = treeOf(t);
  const after = treeOf(t, {
    'data/vm/muster/web1.yaml': () => 'profile::web::workers: 32\nprofile::base::motd: "Web 1"\n',
  });
  const r = parameterChanges(before, after, 'muster', 'production');
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.value, [
    {
      vm: 'muster/production/web1',
      status: 'changed',
      parameters: [
        {
          profile: 'base',
          name: 'motd',
          from: 'Managed by ACME',
          to: 'Web 1',
          origin: 'value of profile::base::motd from data/vm/muster/web1.yaml (hierarchy level "vm")',
        },
        {
          profile: 'web',
          name: 'workers',
          from: 8,
          to: 32,
          origin: 'value of profile::web::workers from data/vm/muster/web1.yaml (hierarchy level "vm")',
        },
      ],
    },
  ]);
  // the other environment is not this diff's business
  assert.deepEqual(
    parameterChanges(before, after, 'muster', 'test').value.map((v) => v.vm),
    ['muster/test/web1'],
  );
});

test('a value that only moved to another Hiera level is no change; a structural change of a hash is', (t) => {
  const before = treeOf(t);
  const after = treeOf(t, {
    // the same workers, now from the VM level; the vhosts hash with its keys in another order
    'data/vm/muster/web1.yaml': () => 'profile::web::workers: 8\n',
    'data/customer/muster.yaml': (s) =>
      s.replace('    port: 443\n    root: /srv/shop\n', '    root: /srv/shop\n    port: 443\n'),
  });
  assert.deepEqual(parameterChanges(before, after, 'muster', 'production').value, []);
  const moved = treeOf(t, {
    'data/customer/muster.yaml': (s) => s.replace('root: /srv/shop', 'root: /srv/shop2'),
  });
  const [vm] = parameterChanges(before, moved, 'muster', 'production').value;
  assert.deepEqual(
    vm?.parameters.map((p) => [p.name, p.origin]),
    [
      [
        'vhosts',
        'value of profile::web::vhosts from data/customer/muster.yaml (hierarchy level "customer") merged with data/common.yaml (hierarchy level "common")',
      ],
    ],
  );
  assert.deepEqual((vm?.parameters[0]?.to as Record<string, unknown>).shop, {
    port: 443,
    root: '/srv/shop2',
  });
});

test('4 to 4.0 and a String key "1" to an Integer key 1 are changes, as for Puppet', (t) => {
  const typed = (cost: string, key: string) => ({
    'profiles/web.yaml': (s: string) =>
      s.replace(
        'parameters:\n',
        'parameters:\n  cost:\n    type: Numeric\n  gates:\n    type: Hash[Variant[Integer, String], String]\n',
      ),
    'data/customer/muster.yaml': (s: string) =>
      `${s}profile::web::cost: ${cost}\nprofile::web::gates:\n  ${key}: Nordtor\n`,
  });
  const before = treeOf(t, typed('4', '"1"'));
  assert.deepEqual(parameterChanges(before, treeOf(t, typed('4', '"1"')), 'muster', 'production').value, []);
  const after = treeOf(t, typed('4.0', '1'));
  const [vm] = parameterChanges(before, after, 'muster', 'production').value;
  assert.deepEqual(
    vm?.parameters.map((p) => p.name),
    ['cost', 'gates'],
  );
  const same = treeOf(t, typed('4.0', '1'));
  assert.deepEqual(parameterChanges(after, same, 'muster', 'production').value, []);
});

test('a VM new in the environment is added, one gone is removed, each with every parameter', (t) => {
  const before = treeOf(t);
  const after = treeOf(t, {
    // web1 leaves production, web2 joins it
    'tenants/alpine/muster.yaml': (s) =>
      s
        .replace('    environments: [test, production]\n', '    environments: [test]\n')
        .replace(/(web2:[\s\S]*?)environments: \[test\]/, '$1environments: [test, production]'),
  });
  const r = parameterChanges(before, after, 'muster', 'production');
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(
    r.value.map((v) => [v.vm, v.status]),
    [
      ['muster/production/web1', 'removed'],
      ['muster/production/web2', 'added'],
    ],
  );
  const [removed, added] = r.value;
  assert.ok(removed!.parameters.every((p) => p.to === undefined && p.from !== undefined && p.origin));
  assert.ok(added!.parameters.every((p) => p.from === undefined && p.to !== undefined && p.origin));
  const workers = added!.parameters.find((p) => p.name === 'workers');
  assert.deepEqual(workers, {
    profile: 'web',
    name: 'workers',
    to: 16,
    origin: 'value of profile::web::workers from data/vm/muster/web2.yaml (hierarchy level "vm")',
  });
  // undef is a value (null), not "no value"
  assert.deepEqual(
    added!.parameters.find((p) => p.name === 'admin_email'),
    { profile: 'web', name: 'admin_email', to: null, origin: 'the profile’s default' },
  );
});

test('a changed secret shows as changed, redacted, never with its value', (t) => {
  const before = treeOf(t);
  const after = treeOf(t, {
    'data/customer/muster.yaml': (s) => s.replace('old-api-key-4711', 'new-api-key-0815'),
  });
  const r = parameterChanges(before, after, 'muster', 'production');
  assert.deepEqual(r.diagnostics, []);
  const text = JSON.stringify(r.value);
  assert.doesNotMatch(text, /api-key-4711|api-key-0815/);
  const [vm] = r.value;
  assert.equal(vm?.status, 'changed');
  const key = vm?.parameters.find((p) => p.name === 'api_key');
  assert.equal(key?.sensitive, true);
  assert.match(String(key?.from), /^\[sensitive\] sha256:[0-9a-f]{12}$/);
  assert.match(String(key?.to), /^\[sensitive\] sha256:[0-9a-f]{12}$/);
  assert.notEqual(key?.from, key?.to);
  assert.equal(
    key?.origin,
    'value of profile::web::api_key from data/customer/muster.yaml (hierarchy level "customer")',
  );
  // an added VM's secret is redacted too
  const added = parameterChanges(
    before,
    treeOf(t, {
      'tenants/alpine/muster.yaml': (s) =>
        s.replace(/environments: \[test\]$/m, 'environments: [test, production]'),
    }),
    'muster',
    'production',
  );
  assert.doesNotMatch(JSON.stringify(added.value), /api-key-4711/);
  assert.deepEqual(
    added.value.map((v) => [v.vm, v.status]),
    [['muster/production/web2', 'added']],
  );
});

test('a value that does not resolve is a diagnostic naming the commit of its tree', (t) => {
  const before = treeOf(t);
  const after = treeOf(t, { 'data/vm/muster/web1.yaml': () => "profile::web::workers: 'many'\n" });
  const r = parameterChanges(before, { ...after, commit: '0123456789abcdef0123' }, 'muster', 'production');
  assert.deepEqual(
    r.diagnostics.map((d) => [d.code, d.source?.file]),
    [['TYPE_MISMATCH', 'data/vm/muster/web1.yaml']],
  );
  assert.match(r.diagnostics[0]!.summary, /\(in the control repository at commit 0123456789ab\)$/);
});
