// Top-scope variables and agent settings as the real Puppet 7 sees them for a VM Aare compiled:
// Puppet, with `aare enc` as its ENC, is the oracle for what `%{environment}`, `%{customer}`,
// `%{aare_environment}` and `%{server_facts.environment}` give in Hiera data
// (docs/desired-state.md, "Variables a hierarchy can use"), and `puppet config print` for the
// puppet.conf cloud-init writes from the user-data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { compileAll } from '../../src/compile/index.js';
import { formatDiagnostic } from '../../src/diag/index.js';
import { findVm, loadControlRepo, vmFacts } from '../../src/model/index.js';
import { ensureBuilt, makePuppetTree, projectRoot, puppetAvailable } from './puppet-harness.js';

const small = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/small-repo');
const certname = 'web1.test.muster.cloud.acme.test';
const probe =
  'env=%{environment} server_env=%{server_facts.environment} customer=%{customer} ' +
  'aare_env=%{aare_environment} role=%{role} reseller=%{::reseller}';

/** The small fixture with a Puppet server on port 8141, code environment `staging`, and the probe as motd. */
function repoCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aare-top-scope-'));
  cpSync(small, dir, { recursive: true });
  const aare = join(dir, 'aare.yaml');
  writeFileSync(
    aare,
    readFileSync(aare, 'utf8').replace(
      'puppet:\n  server: puppet.acme.test\n',
      'puppet:\n  server: puppet.acme.test\n  port: 8141\n  environment: staging\n',
    ),
  );
  const common = join(dir, 'data/common.yaml');
  writeFileSync(
    common,
    readFileSync(common, 'utf8').replace(
      'profile::base::motd: "Managed by ACME"',
      `profile::base::motd: "${probe}"`,
    ),
  );
  return dir;
}

const expected =
  'env=staging server_env=staging customer=muster aare_env=test role=webserver reseller=alpine';

test('compile: %{environment} is the Puppet code environment the ENC sets, not the customer environment', () => {
  const loaded = loadControlRepo(repoCopy());
  assert.deepEqual(loaded.diagnostics.map(formatDiagnostic), []);
  const r = compileAll(loaded.value);
  assert.deepEqual(r.diagnostics.map(formatDiagnostic), []);
  const web1 = r.value.find((c) => c.address === 'muster/test/web1')!;
  assert.equal(web1.enc.environment, 'staging');
  assert.equal(web1.enc.classes['profile::base']!.motd, expected);
});

test('aare lookup --vm answers with the same top scope as compile', () => {
  ensureBuilt();
  const repo = repoCopy();
  const r = spawnSync(
    process.execPath,
    [
      join(projectRoot, 'bin/aare.mjs'),
      'lookup',
      'profile::base::motd',
      '--vm',
      'muster/test/web1',
      '--repo',
      repo,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(parse(r.stdout), expected);
});

function puppet(args: string[], env: Record<string, string> = {}) {
  return spawnSync('puppet', [...args, '--color', 'false'], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

test(
  'real Puppet 7 with aare enc as ENC: the same answer from puppet apply and puppet lookup --node --compile',
  { skip: puppetAvailable() },
  () => {
    ensureBuilt();
    const repo = repoCopy();
    const controlRepo = loadControlRepo(repo).value;
    const tree = makePuppetTree(controlRepo);
    // the ENC moves the node into `staging`: the only environment that holds the classes
    renameSync(join(tree.root, 'env/production'), join(tree.root, 'env/staging'));
    const flags = tree.flags.slice(0, tree.flags.indexOf('--environment'));
    const enc = join(tree.root, 'aare-enc.sh');
    writeFileSync(
      enc,
      `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(projectRoot, 'bin/aare.mjs'))} enc "$1" --repo ${JSON.stringify(repo)}\n`,
      { mode: 0o755 },
    );
    const common = [
      ...flags,
      '--node_terminus',
      'exec',
      '--external_nodes',
      enc,
      '--hiera_config',
      join(repo, 'hiera.yaml'),
    ];
    const probeOut = mkdtempSync(join(tree.root, 'probe-'));

    // puppet apply adds the server facts ($server_facts['environment']) as a Puppet server does
    const apply = puppet(
      [
        'apply',
        ...common,
        '--certname',
        certname,
        '--noop',
        '--execute',
        'notice(lookup("profile::base::motd"))',
      ],
      { AARE_PROBE_OUT: probeOut },
    );
    assert.equal(apply.status, 0, apply.stdout + apply.stderr);
    assert.match(apply.stdout + apply.stderr, new RegExp(`Notice: Scope\\(Class\\[main\\]\\): ${expected}`));

    // puppet lookup consults the ENC only with --compile; it adds no server facts
    const factsFile = join(tree.root, 'facts.json');
    writeFileSync(factsFile, JSON.stringify(vmFacts(controlRepo, findVm(controlRepo, 'muster/test/web1')!)));
    const lookup = puppet(
      [
        'lookup',
        ...common,
        '--node',
        certname,
        '--compile',
        '--facts',
        factsFile,
        '--render-as',
        'json',
        'profile::base::motd',
      ],
      { AARE_PROBE_OUT: probeOut },
    );
    assert.equal(lookup.status, 0, lookup.stdout + lookup.stderr);
    assert.equal(JSON.parse(lookup.stdout), expected.replace('server_env=staging', 'server_env='));
  },
);

/**
 * puppet.conf as cloud-init 22.4's puppet module writes it from the user-data's `puppet.conf`
 * (cc_puppet.handle: its DefaultingConfigParser, one `set` per option, `stringify`), run with
 * Debian's cloud-init Python package.
 */
function puppetConfFromUserData(userData: string, file: string): void {
  const script = `
import sys, yaml
from cloudinit import helpers
conf = yaml.safe_load(open(sys.argv[1]))["puppet"]["conf"]
parser = helpers.DefaultingConfigParser()
for section, options in conf.items():
    for option, value in options.items():
        parser.set(section, option, value)
open(sys.argv[2], "w").write(parser.stringify())
`;
  const ud = `${file}.user-data`;
  writeFileSync(ud, userData);
  const r = spawnSync('/usr/bin/python3', ['-c', script, ud, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

function cloudInitPython(): string | undefined {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import cloudinit.helpers, yaml'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : "Debian's cloud-init (python3-cloudinit) is not installed";
}

test(
  'a Puppet server on port 8141: puppet.conf holds server and serverport, as the real puppet reads them',
  { skip: puppetAvailable() ?? cloudInitPython() },
  () => {
    const r = compileAll(loadControlRepo(repoCopy()).value);
    const web1 = r.value.find((c) => c.address === 'muster/test/web1')!;
    const dir = mkdtempSync(join(tmpdir(), 'aare-puppet-conf-'));
    const conf = join(dir, 'puppet.conf');
    puppetConfFromUserData(web1.userData, conf);
    const printed = puppet([
      'config',
      'print',
      'server',
      'serverport',
      'certname',
      'environment',
      '--section',
      'agent',
      '--config',
      conf,
      '--confdir',
      dir,
      '--vardir',
      join(dir, 'var'),
    ]);
    assert.equal(printed.status, 0, printed.stderr);
    assert.equal(printed.stderr.replace(/.*Facter: Permission denied.*\n/g, ''), '');
    assert.deepEqual(printed.stdout.trim().split('\n').sort(), [
      `certname = ${certname}`,
      'environment = staging',
      'server = puppet.acme.test',
      'serverport = 8141',
    ]);
  },
);
