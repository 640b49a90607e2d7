// `aare compile` and `aare enc` as a user runs them: the built CLI in a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ensureBuilt, projectRoot } from './puppet-harness.js';

const small = join(projectRoot, 'test/compile/fixtures/small-repo');

function aare(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  ensureBuilt();
  const r = spawnSync(process.execPath, [join(projectRoot, 'bin/aare.mjs'), ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('compile --all --out writes user-data, enc.yaml and desired.json per VM', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'aare-out-')), 'compiled');
  const r = aare('compile', '--all', '--repo', small, '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /compiled 3 VMs into/);
  assert.deepEqual(readdirSync(join(out, 'muster')).sort(), ['production', 'test']);
  assert.deepEqual(readdirSync(join(out, 'muster/test')).sort(), ['web1', 'web2']);
  const dir = join(out, 'muster/test/web1');
  assert.deepEqual(readdirSync(dir).sort(), ['desired.json', 'enc.yaml', 'user-data']);
  assert.ok(readFileSync(join(dir, 'user-data'), 'utf8').startsWith('#cloud-config\n'));
  const enc = parse(readFileSync(join(dir, 'enc.yaml'), 'utf8')) as { classes: Record<string, unknown> };
  assert.deepEqual(Object.keys(enc.classes), ['profile::base', 'profile::web']);
  const desired = JSON.parse(readFileSync(join(dir, 'desired.json'), 'utf8')) as {
    format: number;
    address: string;
  };
  assert.equal(desired.format, 1);
  assert.equal(desired.address, 'muster/test/web1');
});

test('compile ADDRESS prints JSON, cloud-init or the ENC', () => {
  const json = aare('compile', 'muster/test/web2', '--repo', small);
  assert.equal(json.status, 0, json.stderr);
  const vm = JSON.parse(json.stdout) as {
    address: string;
    userData: string;
    desired: { vm: { fqdn: string } };
  };
  assert.equal(vm.address, 'muster/test/web2');
  assert.equal(vm.desired.vm.fqdn, 'web2.test.muster.cloud.acme.test');
  const ud = aare('compile', 'muster/test/web2', '--repo', small, '--format', 'cloud-init');
  assert.equal(ud.stdout, vm.userData);
  const enc = aare('compile', 'muster/test/web2', '--repo', small, '--format', 'enc');
  assert.match(enc.stdout, /^---\nclasses:\n {2}profile::base:\n/);
});

test('enc CERTNAME prints the ENC of the VM with that FQDN; an unknown node exits 1', () => {
  const r = aare('enc', 'web1.production.muster.cloud.acme.test', '--repo', small);
  assert.equal(r.status, 0, r.stderr);
  const doc = parse(r.stdout) as { environment: string; parameters: Record<string, string> };
  assert.equal(doc.environment, 'production');
  assert.deepEqual(doc.parameters, {
    reseller: 'alpine',
    customer: 'muster',
    role: 'webserver',
    aare_environment: 'production',
  });
  const unknown = aare('enc', 'web9.test.muster.cloud.acme.test', '--repo', small);
  assert.equal(unknown.status, 1);
  assert.equal(unknown.stdout, '');
  assert.match(
    unknown.stderr,
    /error NOT_FOUND: no VM has the certname web9\.test\.muster\.cloud\.acme\.test/,
  );
});

test('usage mistakes exit 2', () => {
  for (const args of [
    ['compile', '--repo', small],
    ['compile', 'muster/test/web1', '--all', '--repo', small],
    ['compile', '--all', '--format', 'enc', '--repo', small],
    ['compile', 'muster/test/web1', '--format', 'xml', '--repo', small],
    ['compile', '--all', '--repo', join(small, 'no-such-dir')],
    ['enc', 'web1.test.muster.cloud.acme.test', '--repo', join(small, 'no-such-dir')],
  ]) {
    const r = aare(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  }
});

test('a type error fails with file:line:col, exit 1, and writes nothing', () => {
  const controlRepoDir = mkdtempSync(join(tmpdir(), 'aare-bad-'));
  cpSync(small, controlRepoDir, { recursive: true });
  writeFileSync(join(controlRepoDir, 'data/role/webserver.yaml'), '---\nprofile::web::workers: many\n');
  const out = join(controlRepoDir, 'out');
  const r = aare('compile', '--all', '--repo', controlRepoDir, '--out', out);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /^\/\S+\/data\/role\/webserver\.yaml:2:1: error TYPE_MISMATCH: muster\/test\/web1: profile web parameter workers/m,
  );
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(existsSync(out), false);
  const unknown = aare('compile', 'muster/test/nope', '--repo', small);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /error NOT_FOUND: no VM muster\/test\/nope/);
});

test('aare validate compiles every VM: a Hiera type error fails it with its position', () => {
  const controlRepoDir = mkdtempSync(join(tmpdir(), 'aare-validate-'));
  cpSync(small, controlRepoDir, { recursive: true });
  writeFileSync(
    join(controlRepoDir, 'data/customer/muster.yaml'),
    '---\nprofile::backup_client::retention_days: forever\n',
  );
  const r = aare('validate', '--repo', controlRepoDir);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /data\/customer\/muster\.yaml:2:1: error TYPE_MISMATCH: muster\/production\/web1: profile backup_client parameter retention_days expects an Integer.* value, got String .*\(and 2 more VMs\)/,
  );
  const ok = aare('validate', '--repo', small);
  assert.equal(ok.status, 0, ok.stderr);
});
