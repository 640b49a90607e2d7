// What Aare writes for Postfix, checked by the real Postfix (no lab needed): the relay's map and
// main.cf lines as `aare mail relay-config` writes them, the satellite main.cf of a compiled VM,
// and a profile that would write the satellite's file itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compileAll } from '../../../src/compile/index.js';
import { formatDiagnostic } from '../../../src/diag/index.js';
import { loadControlRepo } from '../../../src/model/index.js';
import { ensureBuilt, projectRoot } from '../../compile/puppet-harness.js';
import { cidrLookup, postfixSkip, privateInstance, repoCopy } from './mail-helpers.js';

function aare(...args: string[]) {
  ensureBuilt();
  return spawnSync(process.execPath, [join(projectRoot, 'bin/aare.mjs'), ...args], { encoding: 'utf8' });
}

function satelliteOf(repo: string, address: string): string {
  const r = compileAll(loadControlRepo(repo).value);
  assert.deepEqual(r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic), []);
  const vm = r.value.find((c) => c.address === address)!;
  const doc = parse(vm.userData) as { write_files: { path: string; content: string }[] };
  return doc.write_files.find((f) => f.path === '/etc/postfix/main.cf')!.content;
}

test(
  '`aare mail relay-config --map --out`: postfix check passes, the map answers as the model says',
  { skip: postfixSkip() },
  (t) => {
    const repo = repoCopy('10.20.1.0/24', '127.0.0.1:10025');
    const dir = mkdtempSync(join(tmpdir(), 'aare-relay-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    t.after(() => rmSync(repo, { recursive: true, force: true }));
    const map = join(dir, 'aare-clients.cidr');
    const lines = join(dir, 'relay.cf');
    const r = aare('mail', 'relay-config', '-C', repo, '--map', map, '--out', lines);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^2 permitted networks/m);
    const relayCf = readFileSync(lines, 'utf8');
    assert.match(relayCf, new RegExp(`^mynetworks = cidr:${map.replace(/\./g, '\\.')}$`, 'm'));
    const check = privateInstance(
      join(dir, 'relay'),
      'compatibility_level = 3.6\nrelayhost = [127.0.0.1]:18225\n' + relayCf,
    );
    assert.deepEqual(check.problems, []);
    assert.equal(cidrLookup(map, '10.20.1.77'), 'OK');
    assert.equal(cidrLookup(map, '10.20.2.1'), 'OK');
    assert.equal(cidrLookup(map, '10.20.3.1'), undefined);
    // without --map the table goes to stdout, identical to the file
    const printed = aare('mail', 'relay-config', '-C', repo);
    assert.equal(printed.status, 0, printed.stderr);
    assert.equal(printed.stdout, readFileSync(map, 'utf8'));
  },
);

test(
  'the checks can fail: a misspelt parameter warns, a bad map line is refused',
  { skip: postfixSkip() },
  (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'aare-relay-bad-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const check = privateInstance(dir, 'relyhost = [127.0.0.1]:25\n');
    assert.match(check.problems.join('\n'), /unused parameter: relyhost/);
    const map = join(dir, 'bad.cidr');
    writeFileSync(map, '10.20.1.0/33 OK\n');
    assert.throws(() => cidrLookup(map, '10.20.1.1'), /postmap complains/);
  },
);

test('bad input: a broken control repository names file:line:col and writes nothing', () => {
  const repo = repoCopy('10.20.1.0/24', '127.0.0.1:10025');
  const dir = mkdtempSync(join(tmpdir(), 'aare-relay-'));
  try {
    const tenant = join(repo, 'tenants/alpine/muster.yaml');
    writeFileSync(tenant, readFileSync(tenant, 'utf8').replace('cidr: 10.20.2.0/24', 'cidr: 10.20.2.0/33'));
    const map = join(dir, 'aare-clients.cidr');
    const r = aare('mail', 'relay-config', '-C', repo, '--map', map);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /tenants\/alpine\/muster\.yaml:\d+:\d+: error CIDR_INVALID/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(existsSync(map), false);
  } finally {
    rmSync(repo, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'a compiled VM’s satellite main.cf passes postfix check without warnings',
  { skip: postfixSkip() },
  (t) => {
    const repo = repoCopy('10.20.1.0/24', 'relay.cloud.example:25');
    const dir = mkdtempSync(join(tmpdir(), 'aare-satellite-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    t.after(() => rmSync(repo, { recursive: true, force: true }));
    const mainCf = satelliteOf(repo, 'muster/test/web1');
    assert.match(mainCf, /^relayhost = \[relay\.cloud\.example\]:25$/m);
    assert.deepEqual(privateInstance(dir, mainCf).problems, []);
  },
);

test('a profile that writes /etc/postfix/main.cf on a mail-sending VM is an error naming it', () => {
  const repo = repoCopy('10.20.1.0/24', '127.0.0.1:10025');
  try {
    appendFileSync(join(repo, 'profiles/templates/web/aare.conf.eta'), '');
    const profile = join(repo, 'profiles/web.yaml');
    writeFileSync(
      profile,
      readFileSync(profile, 'utf8').replace(
        'files:\n',
        'files:\n  - path: /etc/postfix/main.cf\n    template: web/aare.conf.eta\n',
      ),
    );
    const r = compileAll(loadControlRepo(repo).value);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    assert.ok(errors.length > 0);
    assert.match(errors[0]!.summary, /profile web writes \/etc\/postfix\/main\.cf, which Aare generates/);
    assert.equal(errors[0]!.source?.file, 'profiles/web.yaml');
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
});
