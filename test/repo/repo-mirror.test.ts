// Upstream mirrors against a real upstream: RPMs from rpmbuild, repodata from createrepo_c,
// repomd.xml signed with an upstream key, served by a node http server on 127.0.0.1. Syncs follow
// the upstream (add, remove, replace) exactly, make no version when nothing changed, refuse a
// tampered package or signature keeping the previous version, and a freeze keeps a later upstream
// change out of a frozen distribution (real dnf in an installroot).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signDetachedArmored } from '../../src/repo/index.js';
import { storeBackendsForTests } from '../store/store-test-backends.js';
import { repoBackendsForTests } from './repo-backends.js';
import { openHarness } from './repo-harness.js';
import { buildSignedRpm, hasTool, noRpmbuild, testKey } from './rpm-fixtures.js';
import { openUpstream } from './upstream-fixture.js';

const skip = noRpmbuild || (!hasTool('createrepo_c') ? 'createrepo_c is not installed' : false);
const skipDnf = skip || (!hasTool('dnf') ? 'dnf is not installed (lab/packages/repo.txt lists it)' : false);

const codes = (r: { diagnostics: { code: string }[] }) => r.diagnostics.map((d) => d.code);
const names = (pkgs: { filename: string }[]) => pkgs.map((p) => p.filename).sort();

for (const backend of storeBackendsForTests()) {
  test(
    `a mirror follows its upstream: add, remove, replace; nothing new makes no version (${backend.name})`,
    { skip, timeout: 300_000 },
    async (t) => {
      const h = await openHarness({ storeOptions: await backend.fresh() });
      const up = await openUpstream();
      t.after(async () => {
        await up.close();
        await h.close();
      });
      await up.add(
        { name: 'alpha', version: '1.0' },
        { name: 'bravo', version: '1.0' },
        { name: 'charlie', version: '1.0' },
      );

      const added = await h.repo.mirrors!.addRemote('upstream-os', up.url, { gpgKey: up.keyUrl });
      assert.deepEqual(added.diagnostics, []);
      assert.deepEqual(added.value?.keyFingerprints, [up.key.privateKey.getFingerprint().toUpperCase()]);
      assert.equal((await h.repo.listRepositories()).find((r) => r.name === 'upstream-os')?.customer, '');

      const progress: number[] = [];
      const first = await h.repo.mirrors!.sync([], { onProgress: (p) => progress.push(p.bytesDone) });
      assert.deepEqual(first.diagnostics, []);
      assert.equal(first.value[0]?.version, 1);
      assert.equal(first.value[0]?.downloaded, 3);
      assert.ok(progress.at(-1)! > 0, 'progress reports downloaded bytes');
      assert.deepEqual(names((await h.repo.packagesOf('upstream-os', 1)).value), [
        'alpha-1.0-1.noarch.rpm',
        'bravo-1.0-1.noarch.rpm',
        'charlie-1.0-1.noarch.rpm',
      ]);

      const again = await h.repo.mirrors!.sync(['upstream-os']);
      assert.deepEqual(again.diagnostics, []);
      assert.equal(again.value[0]?.version, undefined, 'nothing new: no version');
      assert.equal(again.value[0]?.downloaded, 0);
      assert.deepEqual(
        (await h.repo.versions('upstream-os')).value.map((v) => v.number),
        [0, 1],
      );

      // add delta, remove bravo, replace charlie 1.0 by 1.1
      await up.add({ name: 'delta', version: '1.0' }, { name: 'charlie', version: '1.1' });
      await up.remove('bravo-1.0-1.noarch.rpm', 'charlie-1.0-1.noarch.rpm');
      const second = await h.repo.mirrors!.sync(['upstream-os']);
      assert.deepEqual(second.diagnostics, []);
      assert.equal(second.value[0]?.version, 2);
      assert.equal(second.value[0]?.downloaded, 2, 'only the new packages are downloaded');
      const diff = (await h.repo.diff('upstream-os', 1, 2)).value!;
      assert.deepEqual(names(diff.added), ['delta-1.0-1.noarch.rpm']);
      assert.deepEqual(names(diff.removed), ['bravo-1.0-1.noarch.rpm']);
      assert.deepEqual(diff.upgraded, [
        { name: 'charlie', arch: 'noarch', from: '1.0-1', to: '1.1-1', downgrade: false },
      ]);
      for (const p of ['/alpha-1.0-1.noarch.rpm', '/charlie-1.1-1.noarch.rpm', '/delta-1.0-1.noarch.rpm'])
        assert.equal(up.requests.get(p), 1, `${p} downloaded once`);

      // a package whose bytes differ from what the signed primary.xml says is refused
      await up.add({ name: 'echo', version: '1.0' });
      const echo = join(up.dir, 'echo-1.0-1.noarch.rpm');
      const bytes = readFileSync(echo);
      bytes[bytes.length - 10]! ^= 0xff;
      writeFileSync(echo, bytes);
      const tampered = await h.repo.mirrors!.sync(['upstream-os']);
      assert.deepEqual(codes(tampered), ['MIRROR_DIGEST']);
      assert.match(
        tampered.diagnostics[0]!.summary,
        /echo-1\.0-1\.noarch\.rpm does not match the signed repodata/,
      );
      assert.deepEqual(
        (await h.repo.versions('upstream-os')).value.map((v) => v.number),
        [0, 1, 2],
      );

      // repomd.xml signed by another key, then repomd.xml changed after signing: both refused
      await up.remove('echo-1.0-1.noarch.rpm');
      await up.add({ name: 'foxtrot', version: '1.0' });
      const repomd = join(up.dir, 'repodata', 'repomd.xml');
      const asc = join(up.dir, 'repodata', 'repomd.xml.asc');
      writeFileSync(asc, await signDetachedArmored(readFileSync(repomd), await testKey('intruder')));
      const wrongKey = await h.repo.mirrors!.sync(['upstream-os']);
      assert.deepEqual(codes(wrongKey), ['MIRROR_SIGNATURE']);
      await up.publish();
      writeFileSync(repomd, readFileSync(repomd, 'utf8').replace('<revision>', '<revision>1'));
      const altered = await h.repo.mirrors!.sync(['upstream-os']);
      assert.deepEqual(codes(altered), ['MIRROR_SIGNATURE']);
      assert.equal(
        up.requests.get('/foxtrot-1.0-1.noarch.rpm'),
        undefined,
        'nothing downloaded on a bad signature',
      );
      assert.deepEqual(
        (await h.repo.versions('upstream-os')).value.map((v) => v.number),
        [0, 1, 2],
      );

      await up.publish();
      const healed = await h.repo.mirrors!.sync(['upstream-os']);
      assert.deepEqual(healed.diagnostics, []);
      assert.equal(healed.value[0]?.version, 3);
      assert.deepEqual(names((await h.repo.packagesOf('upstream-os')).value), [
        'alpha-1.0-1.noarch.rpm',
        'charlie-1.1-1.noarch.rpm',
        'delta-1.0-1.noarch.rpm',
        'foxtrot-1.0-1.noarch.rpm',
      ]);
    },
  );
}

const pulp = repoBackendsForTests().find((b) => b.kind === 'pulp')!;

test(
  'a mirror on Pulp follows its upstream; Aare checks the repomd.xml signature Pulp does not (pulp)',
  { skip: skip || pulp.skip || false, timeout: 600_000 },
  async (t) => {
    if (pulp.kind !== 'pulp') return;
    const h = await openHarness({ pulp: await pulp.fresh() });
    const up = await openUpstream();
    t.after(async () => {
      await up.close();
      await h.close();
    });
    await up.add({ name: 'alpha', version: '1.0' }, { name: 'bravo', version: '1.0' });
    assert.deepEqual(
      codes(await h.repo.mirrors!.addRemote('os', up.url, { gpgKey: up.keyUrl, policy: 'on_demand' })),
      ['MIRROR_UNSUPPORTED'],
    );
    const added = await h.repo.mirrors!.addRemote('os', up.url, { gpgKey: up.keyUrl });
    assert.deepEqual(added.diagnostics, []);
    assert.deepEqual(codes(await h.repo.mirrors!.addRemote('os', up.url, { gpgKey: up.keyUrl })), [
      'CONFLICT',
    ]);
    const listed = await h.repo.mirrors!.remotes();
    assert.deepEqual(
      listed.map((r) => [r.name, r.url, r.keyFingerprints, r.lastSyncedAt]),
      [['os', up.url, added.value!.keyFingerprints, null]],
    );
    assert.equal((await h.repo.listRepositories()).find((r) => r.name === 'os')?.customer, '');

    const first = await h.repo.mirrors!.sync(['os']);
    assert.deepEqual(first.diagnostics, []);
    assert.equal(first.value[0]?.version, 1);
    assert.equal(first.value[0]?.downloaded, 2);
    assert.deepEqual(names((await h.repo.packagesOf('os', 1)).value), [
      'alpha-1.0-1.noarch.rpm',
      'bravo-1.0-1.noarch.rpm',
    ]);
    assert.ok((await h.repo.mirrors!.remotes())[0]?.lastSyncedAt, 'the sync is recorded');

    const again = await h.repo.mirrors!.sync([]);
    assert.deepEqual(again.diagnostics, []);
    assert.equal(again.value[0]?.version, undefined, 'nothing new: no version');
    assert.deepEqual(
      (await h.repo.versions('os')).value.map((v) => v.number),
      [0, 1],
    );

    // mirror mode: a removal upstream is a removal
    await up.add({ name: 'charlie', version: '1.0' });
    await up.remove('bravo-1.0-1.noarch.rpm');
    const second = await h.repo.mirrors!.sync(['os']);
    assert.deepEqual(second.diagnostics, []);
    assert.equal(second.value[0]?.version, 2);
    assert.equal(second.value[0]?.downloaded, 1, 'only the new package is downloaded');
    const diff = (await h.repo.diff('os', 1, 2)).value!;
    assert.deepEqual(names(diff.added), ['charlie-1.0-1.noarch.rpm']);
    assert.deepEqual(names(diff.removed), ['bravo-1.0-1.noarch.rpm']);

    // signed by another key, or changed after signing: refused before Pulp fetches anything
    await up.add({ name: 'delta', version: '1.0' });
    const repomd = join(up.dir, 'repodata', 'repomd.xml');
    const asc = join(up.dir, 'repodata', 'repomd.xml.asc');
    writeFileSync(asc, await signDetachedArmored(readFileSync(repomd), await testKey('intruder')));
    assert.deepEqual(codes(await h.repo.mirrors!.sync(['os'])), ['MIRROR_SIGNATURE']);
    await up.publish();
    writeFileSync(repomd, readFileSync(repomd, 'utf8').replace('<revision>', '<revision>1'));
    assert.deepEqual(codes(await h.repo.mirrors!.sync(['os'])), ['MIRROR_SIGNATURE']);
    assert.equal(up.requests.get('/delta-1.0-1.noarch.rpm'), undefined, 'nothing downloaded');

    // a package whose bytes differ from the signed primary.xml: Pulp's own check fails its task
    await up.publish();
    const delta = join(up.dir, 'delta-1.0-1.noarch.rpm');
    const bytes = readFileSync(delta);
    bytes[bytes.length - 10]! ^= 0xff;
    writeFileSync(delta, bytes);
    const tampered = await h.repo.mirrors!.sync(['os']);
    assert.deepEqual(codes(tampered), ['PULP_TASK_FAILED']);
    assert.equal(tampered.diagnostics[0]!.field, 'os');
    assert.deepEqual(
      (await h.repo.versions('os')).value.map((v) => v.number),
      [0, 1, 2],
      'the previous version stays',
    );

    await up.remove('delta-1.0-1.noarch.rpm');
    await up.add({ name: 'delta', version: '1.0' });
    const healed = await h.repo.mirrors!.sync(['os']);
    assert.deepEqual(healed.diagnostics, []);
    assert.equal(healed.value[0]?.version, 3);
    assert.deepEqual(names((await h.repo.packagesOf('os')).value), [
      'alpha-1.0-1.noarch.rpm',
      'charlie-1.0-1.noarch.rpm',
      'delta-1.0-1.noarch.rpm',
    ]);

    assert.deepEqual((await h.repo.deleteRepository('os')).diagnostics, []);
    assert.deepEqual(await h.repo.mirrors!.remotes(), [], 'deleting the repository deletes its remote');
  },
);

test(
  'remote add refuses bad input and on_demand, changing nothing',
  { skip, timeout: 120_000 },
  async (t) => {
    const h = await openHarness();
    const up = await openUpstream();
    t.after(async () => {
      await up.close();
      await h.close();
    });
    assert.deepEqual(
      codes(await h.repo.mirrors!.addRemote('os', up.url, { gpgKey: up.keyUrl, policy: 'on_demand' })),
      ['MIRROR_UNSUPPORTED'],
    );
    assert.deepEqual(codes(await h.repo.mirrors!.addRemote('os', 'ftp://x/', { gpgKey: up.keyUrl })), [
      'USAGE',
    ]);
    assert.deepEqual(
      codes(await h.repo.mirrors!.addRemote('os', up.url, { gpgKey: `${up.url}missing.asc` })),
      ['MIRROR_FETCH'],
    );
    assert.deepEqual(await h.repo.mirrors!.remotes(), []);
    assert.deepEqual(await h.repo.listRepositories(), []);
    assert.deepEqual(codes(await h.repo.mirrors!.sync(['nope'])), ['NOT_FOUND']);

    assert.deepEqual((await h.repo.mirrors!.addRemote('os', up.url, { gpgKey: up.keyUrl })).diagnostics, []);
    assert.deepEqual(codes(await h.repo.mirrors!.addRemote('os', up.url, { gpgKey: up.keyUrl })), [
      'CONFLICT',
    ]);
    assert.deepEqual((await h.repo.deleteRepository('os')).diagnostics, []);
    assert.deepEqual(await h.repo.mirrors!.remotes(), [], 'deleting the repository deletes its remote');
  },
);

/** The versions of `name` that dnf, in its own installroot, finds in the distribution at `url`. */
function dnfVersions(dir: string, url: string, keyUrl: string, name: string): Promise<string[]> {
  const conf = join(dir, 'dnf.conf');
  writeFileSync(
    conf,
    `[main]\ngpgcheck=1\nrepo_gpgcheck=1\nreposdir=/nonexistent\nskip_if_unavailable=0\nmetadata_expire=0\nplugins=0\nassumeyes=1\n\n` +
      `[dist]\nname=dist\nbaseurl=${url}\ngpgkey=${keyUrl}\n`,
  );
  const installroot = mkdtempSync(join(dir, 'root-'));
  return new Promise((resolve, reject) => {
    const child = spawn(
      'dnf',
      [
        '-c',
        conf,
        `--installroot=${installroot}`,
        '--releasever=12',
        '-q',
        'repoquery',
        '--qf',
        '%{version}',
        name,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) => {
      rmSync(installroot, { recursive: true, force: true });
      if (code === 0) resolve(out.split('\n').filter(Boolean).sort());
      else reject(new Error(`dnf exited with ${code}: ${err}`));
    });
  });
}

test(
  'a freeze keeps a later upstream change out of the frozen distribution (dnf)',
  { skip: skipDnf, timeout: 300_000 },
  async (t) => {
    const h = await openHarness({ serve: true });
    const up = await openUpstream();
    t.after(async () => {
      await up.close();
      await h.close();
    });
    await h.repo.createRepository('acme', 'acme');
    const own = await buildSignedRpm(h.dir, { name: 'acme-app', version: '1.0' }, h.key);
    assert.deepEqual((await h.repo.upload('acme', own)).diagnostics, []);
    await up.add({ name: 'libfoo', version: '1.0' });
    assert.deepEqual((await h.repo.mirrors!.addRemote('os', up.url, { gpgKey: up.keyUrl })).diagnostics, []);
    assert.deepEqual((await h.repo.mirrors!.sync(['os'])).diagnostics, []);

    const frozen = await h.repo.snapshot('2027-01');
    assert.deepEqual(frozen.value?.versions, { acme: 1, os: 1 }, 'the freeze records the mirror');
    await up.add({ name: 'libfoo', version: '2.0' });
    await up.remove('libfoo-1.0-1.noarch.rpm');
    assert.equal((await h.repo.mirrors!.sync(['os'])).value[0]?.version, 2);

    assert.deepEqual(
      (await h.repo.distribute('acme', 'production', { snapshot: '2027-01' })).diagnostics,
      [],
    );
    assert.deepEqual((await h.repo.distribute('acme', 'test')).diagnostics, []);
    const keyUrl = `${h.baseUrl}/keys/RPM-GPG-KEY-aare`;
    assert.deepEqual(await dnfVersions(h.dir, `${h.baseUrl}/repos/acme/production/`, keyUrl, 'libfoo'), [
      '1.0',
    ]);
    assert.deepEqual(await dnfVersions(h.dir, `${h.baseUrl}/repos/acme/test/`, keyUrl, 'libfoo'), ['2.0']);
    assert.ok(readdirSync(h.stateDir).includes('artifacts'));
  },
);
