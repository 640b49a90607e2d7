// The real dnf client (Debian's dnf 4, in an installroot, gpgcheck and repo_gpgcheck on) against
// `aare serve`: install from a distribution, upgrade after the distribution moves, and refusal
// of a tampered package and of a repomd.xml whose signature does not match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSignedRpm, hasTool, noPackageBuild } from './rpm-fixtures.js';
import { openHarness } from './repo-harness.js';
import type { Harness } from './repo-harness.js';

const skip =
  noPackageBuild || (!hasTool('dnf') ? 'dnf is not installed (lab/packages/repo.txt lists it)' : false);

function dnfConf(h: Harness, customer: string, env: string): string {
  const path = join(h.dir, `dnf-${customer}-${env}.conf`);
  writeFileSync(
    path,
    `[main]
gpgcheck=1
repo_gpgcheck=1
localpkg_gpgcheck=1
reposdir=/nonexistent
skip_if_unavailable=0
install_weak_deps=0
best=1
metadata_expire=0
plugins=0
assumeyes=1

[aare-${customer}-${env}]
name=aare ${customer}/${env}
baseurl=${h.baseUrl}/repos/${customer}/${env}/
gpgkey=${h.baseUrl}/keys/RPM-GPG-KEY-aare
`,
  );
  return path;
}

/** Runs dnf without blocking the event loop: the server under test answers in this process. */
function dnf(
  conf: string,
  root: string,
  ...args: string[]
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolveRun) => {
    const child = spawn('dnf', ['-c', conf, `--installroot=${root}`, '--releasever=12', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('close', (status) => resolveRun({ status, output }));
  });
}

const rpmQ = (root: string, name: string) =>
  spawnSync('rpm', ['--root', root, '-q', name], { encoding: 'utf8' }).stdout.trim();

/** dnf starts a gpg-agent per repo keyring under the installroot; end each one. */
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
  'dnf installs from a distribution, upgrades after it moves, refuses tampering',
  { skip, timeout: 600_000 },
  async (t) => {
    const h = await openHarness({ serve: true });
    t.after(async () => {
      killAgents(h.dir);
      await h.close();
    });
    const rpms = join(h.dir, 'rpms');
    // a shared repository with a stand-in for the OS (an empty installroot has no /bin/sh)
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

    for (const customer of ['acme', 'evil', 'mallory']) {
      assert.deepEqual((await h.repo.createRepository(customer, customer)).diagnostics, []);
      const p = await buildSignedRpm(
        rpms,
        { name: `${customer}-hello`, version: '1.0.0', requires: ['/bin/sh'] },
        h.key,
      );
      assert.deepEqual((await h.repo.upload(customer, p)).diagnostics, []);
      assert.deepEqual((await h.repo.distribute(customer, 'test')).diagnostics, []);
    }

    await t.test('install from /repos/acme/test/', async () => {
      const root = join(h.dir, 'root-acme');
      const r = await dnf(dnfConf(h, 'acme', 'test'), root, 'install', 'acme-hello');
      assert.equal(r.status, 0, r.output);
      assert.equal(rpmQ(root, 'acme-hello'), 'acme-hello-1.0.0-1.noarch');
      assert.equal(
        readFileSync(join(root, 'usr/bin/acme-hello'), 'utf8').trim().split('\n').at(-1),
        'echo "acme-hello 1.0.0"',
      );
    });

    await t.test('upgrade after a new version is distributed', async () => {
      const root = join(h.dir, 'root-acme');
      const conf = dnfConf(h, 'acme', 'test');
      const p = await buildSignedRpm(
        rpms,
        { name: 'acme-hello', version: '1.1.0', requires: ['/bin/sh'] },
        h.key,
      );
      assert.deepEqual((await h.repo.upload('acme', p)).diagnostics, []);
      // not distributed yet: nothing to upgrade
      assert.equal((await dnf(conf, root, '--refresh', 'check-update')).status, 0);
      assert.deepEqual((await h.repo.distribute('acme', 'test')).diagnostics, []);
      const r = await dnf(conf, root, '--refresh', 'upgrade');
      assert.equal(r.status, 0, r.output);
      assert.equal(rpmQ(root, 'acme-hello'), 'acme-hello-1.1.0-1.noarch');
    });

    await t.test('a tampered package is refused and nothing is installed', async () => {
      const pkgs = (await h.repo.packagesOf('evil')).value;
      const artifact = h.repo.artifactPath(pkgs.find((p) => p.name === 'evil-hello')!.sha256);
      const bytes = readFileSync(artifact);
      bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff; // same size, other content
      writeFileSync(artifact, bytes);
      const root = join(h.dir, 'root-evil');
      const r = await dnf(dnfConf(h, 'evil', 'test'), root, 'install', 'evil-hello');
      assert.notEqual(r.status, 0, r.output);
      assert.match(r.output, /checksum doesn't match/);
      assert.equal(existsSync(join(root, 'usr/bin/evil-hello')), false);
    });

    await t.test('a repomd.xml that does not match its signature is refused', async () => {
      const dist = await h.repo.resolveDistribution('mallory/test');
      const repomd = join(dist!.dir, 'repodata', 'repomd.xml');
      writeFileSync(repomd, readFileSync(repomd, 'utf8').replace('<revision>', '<revision>9'));
      const root = join(h.dir, 'root-mallory');
      const r = await dnf(dnfConf(h, 'mallory', 'test'), root, 'install', 'mallory-hello');
      assert.notEqual(r.status, 0, r.output);
      assert.match(r.output, /repomd\.xml GPG signature verification error/);
      assert.equal(existsSync(join(root, 'usr/bin/mallory-hello')), false);
    });
  },
);

test(
  'dnf upgrades to a package built from a new git tag once the distribution moves',
  { skip, timeout: 600_000 },
  async (t) => {
    const h = await openHarness({ serve: true });
    t.after(async () => {
      killAgents(h.dir);
      await h.close();
    });
    const { buildPackage } = await import('../../src/packaging/index.js');
    const control = join(h.dir, 'control');
    // the demo's shipped source of muster-shop, with only v1.0.0 tagged at first
    const src = join(control, 'sources', 'muster-shop');
    mkdirSync(join(src, 'releases'), { recursive: true });
    const demo = resolve(import.meta.dirname, '../../examples/demo/sources');
    cpSync(join(demo, 'make-git-repos.sh'), join(control, 'sources', 'make-git-repos.sh'));
    cpSync(join(demo, 'muster-shop/releases/v1.0.0'), join(src, 'releases/v1.0.0'), { recursive: true });
    const ctx = {
      controlRepoDir: control,
      stateDir: h.stateDir,
      store: h.store,
      repoService: h.repo,
      signingKey: h.key,
      buildSandbox: 'on' as const,
      close: h.close,
    };
    const def = {
      name: 'muster-shop',
      customer: 'muster-ag',
      git: { url: 'sources/muster-shop' },
      tagPattern: '^v(\\d+\\.\\d+\\.\\d+)$',
      spec: 'packaging/muster-shop.spec',
      repositories: ['muster-ag'],
      source: { file: 'packages/muster-shop.yaml', start: { line: 1, col: 1 } },
    };
    await h.repo.createRepository('base', '');
    const base = await buildSignedRpm(
      join(h.dir, 'rpms'),
      {
        name: 'aare-test-base',
        version: '1',
        files: false,
        provides: ['/bin/sh', '/bin/bash', '/usr/bin/sh'],
      },
      h.key,
    );
    assert.deepEqual((await h.repo.upload('base', base)).diagnostics, []);

    const b1 = await buildPackage(ctx, def, { allNewTags: true });
    assert.deepEqual(b1.diagnostics, []);
    assert.deepEqual((await h.repo.distribute('muster-ag', 'test')).diagnostics, []);
    const root = join(h.dir, 'root-muster');
    const conf = dnfConf(h, 'muster-ag', 'test');
    const install = await dnf(conf, root, 'install', 'muster-shop');
    assert.equal(install.status, 0, install.output);
    assert.equal(rpmQ(root, 'muster-shop'), 'muster-shop-1.0.0-1.noarch');

    // the customer tags v1.1.0; the next `make-git-repos.sh` run adds it to the git repository
    cpSync(join(demo, 'muster-shop/releases/v1.1.0'), join(src, 'releases/v1.1.0'), { recursive: true });
    spawnSync('sh', [
      join(control, 'sources', 'make-git-repos.sh'),
      src,
      join(h.stateDir, 'git', 'muster-shop'),
    ]);
    const b2 = await buildPackage(ctx, def, { allNewTags: true });
    assert.deepEqual(b2.diagnostics, []);
    assert.deepEqual(
      b2.value.map((b) => [b.tag, b.status]),
      [
        ['v1.0.0', 'already-built'],
        ['v1.1.0', 'built'],
      ],
    );
    assert.equal((await dnf(conf, root, '--refresh', 'check-update')).status, 0, 'not distributed yet');
    assert.deepEqual((await h.repo.distribute('muster-ag', 'test')).diagnostics, []);
    const upgrade = await dnf(conf, root, '--refresh', 'upgrade');
    assert.equal(upgrade.status, 0, upgrade.output);
    assert.equal(rpmQ(root, 'muster-shop'), 'muster-shop-1.1.0-1.noarch');
    assert.match(
      readFileSync(join(root, 'var/www/muster-shop/index.php'), 'utf8'),
      /1\.1\.0 \(now with gift cards\)/,
    );
  },
);
