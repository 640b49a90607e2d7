// The real dnf client (gpgcheck and repo_gpgcheck on) against a distribution in the lab's Pulp that
// Aare published and moved: Pulp signs repomd.xml with its signing service, Aare's key signs the
// packages. Skips with a reason when the lab's Pulp is not up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSignedRpm, hasTool, noPackageBuild } from './rpm-fixtures.js';
import { openHarness } from './repo-harness.js';
import { repoBackendsForTests } from './repo-backends.js';

const pulp = repoBackendsForTests().find((b) => b.kind === 'pulp')!;
const skip =
  noPackageBuild ||
  (!hasTool('dnf') ? 'dnf is not installed (lab/packages/repo.txt lists it)' : false) ||
  pulp.skip ||
  false;

function dnf(
  conf: string,
  root: string,
  ...args: string[]
): Promise<{ status: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn('dnf', ['-c', conf, `--installroot=${root}`, '--releasever=12', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('close', (status) => done({ status, output }));
  });
}
const rpmQ = (root: string, name: string) =>
  spawnSync('rpm', ['--root', root, '-q', name], { encoding: 'utf8' }).stdout.trim();
function killAgents(dir: string): void {
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'pubring.kbx' || e.name === 'pubring.gpg')
        spawnSync('gpgconf', ['--homedir', d, '--kill', 'gpg-agent']);
    }
  };
  if (existsSync(dir)) walk(dir);
}

test(
  'dnf installs from a Pulp distribution Aare moved (repo_gpgcheck on)',
  { skip, timeout: 600_000 },
  async (t) => {
    if (pulp.kind !== 'pulp') return;
    const target = await pulp.fresh();
    const h = await openHarness({ pulp: target });
    t.after(async () => {
      killAgents(h.dir);
      await h.close();
    });
    const rpms = join(h.dir, 'rpms');
    assert.deepEqual((await h.repo.createRepository('base', '')).diagnostics, []);
    const base = await buildSignedRpm(
      rpms,
      {
        name: 'aare-test-base',
        version: '1',
        files: false,
        provides: ['/bin/sh', '/bin/bash', '/usr/bin/sh', '/usr/bin/env'],
      },
      h.key,
    );
    assert.deepEqual((await h.repo.upload('base', base)).diagnostics, []);
    assert.deepEqual((await h.repo.createRepository('acme', 'acme')).diagnostics, []);
    const v1 = await buildSignedRpm(
      rpms,
      { name: 'acme-hello', version: '1.0.0', requires: ['/bin/sh'] },
      h.key,
    );
    assert.deepEqual((await h.repo.upload('acme', v1)).diagnostics, []);
    const first = await h.repo.distribute('acme', 'test');
    assert.deepEqual(first.diagnostics, []);
    const url = first.value!.url!;
    assert.equal(url, `${target.content}${target.basePathPrefix}acme/test/`);
    assert.deepEqual(
      (await h.repo.distributions()).map((d) => [d.basePath, d.url]),
      [[`${target.basePathPrefix}acme/test`, url]],
    );

    const aareKey = join(h.dir, 'aare.asc');
    writeFileSync(aareKey, h.key.publicArmored);
    const conf = join(h.dir, 'dnf.conf');
    writeFileSync(
      conf,
      `[main]
gpgcheck=1
repo_gpgcheck=1
reposdir=/nonexistent
skip_if_unavailable=0
install_weak_deps=0
metadata_expire=0
plugins=0
assumeyes=1

[aare-acme-test]
name=aare acme/test (Pulp)
baseurl=${url}
gpgkey=file://${target.signingKeyFile} file://${aareKey}
`,
    );
    const root = join(h.dir, 'root');
    const r = await dnf(conf, root, 'install', 'acme-hello');
    assert.equal(r.status, 0, r.output);
    assert.equal(rpmQ(root, 'acme-hello'), 'acme-hello-1.0.0-1.noarch');

    // a new version is not served until Aare moves the distribution
    const v2 = await buildSignedRpm(
      rpms,
      { name: 'acme-hello', version: '1.1.0', requires: ['/bin/sh'] },
      h.key,
    );
    assert.deepEqual((await h.repo.upload('acme', v2)).diagnostics, []);
    assert.equal((await dnf(conf, root, 'upgrade', 'acme-hello')).status, 0);
    assert.equal(rpmQ(root, 'acme-hello'), 'acme-hello-1.0.0-1.noarch');
    assert.deepEqual((await h.repo.distribute('acme', 'test')).diagnostics, []);
    const up = await dnf(conf, root, 'upgrade', 'acme-hello');
    assert.equal(up.status, 0, up.output);
    assert.equal(rpmQ(root, 'acme-hello'), 'acme-hello-1.1.0-1.noarch');

    // repo_gpgcheck is real: without Pulp's key the signed repomd.xml is refused
    writeFileSync(
      conf,
      `[main]\ngpgcheck=1\nrepo_gpgcheck=1\nreposdir=/nonexistent\nmetadata_expire=0\nplugins=0\nassumeyes=1\n\n[aare-acme-test]\nname=x\nbaseurl=${url}\ngpgkey=file://${aareKey}\n`,
    );
    const refused = await dnf(conf, join(h.dir, 'root2'), 'install', 'acme-hello');
    assert.notEqual(refused.status, 0, refused.output);
  },
);
