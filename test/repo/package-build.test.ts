// git tag -> RPM with the demo's shipped sources: the shipped history becomes a git repository,
// builds are reproducible (same header and payload bytes), a built tag is not rebuilt, a moved
// tag is refused, and the generated spec installs what the build description says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildPackage } from '../../src/packaging/index.js';
import type { PackageDef, PackagingContext } from '../../src/packaging/index.js';
import { readRpmFile } from '../../src/repo/index.js';
import { noPackageBuild } from './rpm-fixtures.js';
import { openHarness } from './repo-harness.js';

const demoSources = resolve(import.meta.dirname, '../../examples/demo/sources');
const source = { file: 'packages/x.yaml', start: { line: 1, col: 1 } };
const muster: PackageDef = {
  name: 'muster-shop',
  customer: 'muster-ag',
  git: { url: 'sources/muster-shop' },
  tagPattern: '^v(\\d+\\.\\d+\\.\\d+)$',
  spec: 'packaging/muster-shop.spec',
  repositories: ['muster-ag'],
  source,
};
const booking: PackageDef = {
  name: 'bergbahn-booking',
  customer: 'bergbahn-ag',
  git: { url: 'sources/bergbahn-booking' },
  tagPattern: '^v(\\d+\\.\\d+\\.\\d+)$',
  build: {
    summary: 'Ticket booking service',
    license: 'Proprietary',
    arch: 'noarch',
    requires: ['java-17-openjdk-headless'],
    install: [
      { from: 'dist/booking.jar', to: '/opt/bergbahn-booking/booking.jar' },
      { from: 'config/logback.xml', to: '/etc/bergbahn-booking/logback.xml', mode: '0644' },
    ],
    service: {
      name: 'bergbahn-booking',
      execStart: '/usr/bin/java -jar /opt/bergbahn-booking/booking.jar',
      user: 'booking',
    },
  },
  repositories: ['bergbahn-ag'],
  source,
};

async function context() {
  const h = await openHarness();
  const root = join(h.dir, 'control');
  cpSync(demoSources, join(root, 'sources'), { recursive: true });
  const ctx: PackagingContext = {
    controlRepoDir: root,
    stateDir: h.stateDir,
    store: h.store,
    repoService: h.repo,
    signingKey: h.key,
    buildSandbox: 'on',
  };
  return { h, ctx };
}

test('package build from git tags', { skip: noPackageBuild, timeout: 300_000 }, async (t) => {
  const { h, ctx } = await context();
  t.after(() => h.close());

  const first = await buildPackage(ctx, muster, { allNewTags: true });
  assert.deepEqual(first.diagnostics, []);
  assert.deepEqual(
    first.value.map((b) => [b.tag, b.status, b.filename, b.repositories]),
    [
      ['v1.0.0', 'built', 'muster-shop-1.0.0-1.noarch.rpm', { 'muster-ag': 1 }],
      ['v1.1.0', 'built', 'muster-shop-1.1.0-1.noarch.rpm', { 'muster-ag': 2 }],
    ],
  );
  const again = await buildPackage(ctx, muster, { allNewTags: true });
  assert.deepEqual(
    again.value.map((b) => b.status),
    ['already-built', 'already-built'],
  );
  assert.deepEqual((await h.repo.versions('muster-ag')).value.length, 3, 'no new versions');

  await t.test('reproducible: another build of the same tag has the same header and payload', async () => {
    const other = await context();
    try {
      const b = await buildPackage(other.ctx, muster, { tag: 'v1.0.0' });
      const x = await readRpmFile(h.repo.artifactPath(first.value[0]!.sha256));
      const y = await readRpmFile(other.h.repo.artifactPath(b.value[0]!.sha256));
      assert.ok(x.headerBytes.equals(y.headerBytes), 'main header bytes');
      assert.equal(x.payloadSha256, y.payloadSha256);
    } finally {
      await other.h.close();
    }
  });

  await t.test('a tag that moved since its build is refused', async () => {
    const git = join(h.stateDir, 'git', 'muster-shop');
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    };
    execFileSync('git', ['-C', git, 'commit', '-q', '--allow-empty', '-m', 'sneaky'], { env });
    execFileSync(
      'sh',
      [
        '-c',
        `echo changed >> "${git}/README.md" && git -C "${git}" commit -qam changed && git -C "${git}" tag -f -a v1.1.0 -m moved`,
      ],
      { env },
    );
    const r = await buildPackage(ctx, muster, { tag: 'v1.1.0' });
    assert.equal(r.value.length, 0);
    assert.equal(r.diagnostics[0]?.code, 'TAG_CHANGED');
    assert.match(r.diagnostics[0]!.summary, /tag v1\.1\.0 of package muster-shop now points at/);
  });

  await t.test('unknown tag', async () => {
    const r = await buildPackage(ctx, muster, { tag: 'v9.9.9' });
    assert.equal(r.diagnostics[0]?.code, 'PACKAGE_BUILD');
    assert.match(r.diagnostics[0]!.summary, /matching tags: v1\.0\.0, v1\.1\.0/);
  });

  await t.test('a generated spec installs the described files and unit', async () => {
    const r = await buildPackage(ctx, booking, {});
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.value[0]?.tag, 'v1.1.0', 'without --tag, the newest tag');
    const files = execFileSync('rpm', ['-qlp', h.repo.artifactPath(r.value[0]!.sha256)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    assert.deepEqual(files.trim().split('\n'), [
      '/etc/bergbahn-booking/logback.xml',
      '/opt/bergbahn-booking/booking.jar',
      '/usr/lib/systemd/system/bergbahn-booking.service',
    ]);
  });
});
