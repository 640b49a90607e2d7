// The repository service on every back end (the embedded one on each store back end, and Pulp when
// the lab's Pulp is up): uploads that are checked (and refused without changing anything),
// versions, diff, snapshots, distributions and prune.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signRpm } from '../../src/repo/index.js';
import { buildSignedRpm, buildToyRpm, noRpmbuild, testKey } from './rpm-fixtures.js';
import { openHarness } from './repo-harness.js';
import { repoBackendsForTests } from './repo-backends.js';

for (const backend of repoBackendsForTests()) {
  const skip = noRpmbuild || backend.skip || false;
  test(`repository service (${backend.name})`, { skip, timeout: 300_000 }, async (t) => {
    const h = await openHarness(
      backend.kind === 'pulp' ? { pulp: await backend.fresh() } : { storeOptions: await backend.fresh() },
    );
    // the embedded back end keeps artifacts as files; Pulp keeps them out of Aare's reach
    const local = backend.kind === 'local';
    t.after(() => h.close());
    const rpms = join(h.dir, 'rpms');
    await h.repo.createRepository('base', '');
    await h.repo.createRepository('acme', 'acme');
    const hello1 = await buildSignedRpm(rpms, { name: 'hello', version: '1.0' }, h.key);
    const tools = await buildSignedRpm(rpms, { name: 'tools', version: '2.0' }, h.key);

    await t.test('refuses bad files with a clear error and changes nothing', async () => {
      const before = await h.repo.versions('acme');
      const bad = join(h.dir, 'bad');
      const cases: [string, () => Promise<string>, RegExp, string][] = [
        [
          'not an RPM',
          async () => (writeFileSync(`${bad}-text.rpm`, 'hello\n'.repeat(100)), `${bad}-text.rpm`),
          /not an RPM file/,
          'RPM_INVALID',
        ],
        [
          'truncated',
          async () => {
            copyFileSync(hello1, `${bad}-trunc.rpm`);
            truncateSync(`${bad}-trunc.rpm`, readFileSync(hello1).length - 50);
            return `${bad}-trunc.rpm`;
          },
          /truncated/,
          'RPM_INVALID',
        ],
        [
          'payload altered',
          async () => {
            const b = readFileSync(hello1);
            b[b.length - 20] = b[b.length - 20]! ^ 0xff;
            writeFileSync(`${bad}-payload.rpm`, b);
            return `${bad}-payload.rpm`;
          },
          /payload does not match/,
          'RPM_INVALID',
        ],
        [
          'unsigned',
          async () => buildToyRpm(join(h.dir, 'unsigned'), { name: 'nosig', version: '1' }),
          /not signed/,
          'RPM_SIGNATURE',
        ],
        [
          'signed by an untrusted key',
          async () => {
            const p = buildToyRpm(join(h.dir, 'other'), { name: 'othersig', version: '1' });
            writeFileSync(p, await signRpm(readFileSync(p), await testKey('stranger')));
            return p;
          },
          /not a trusted key/,
          'RPM_SIGNATURE',
        ],
      ];
      for (const [what, make, message, code] of cases) {
        const r = await h.repo.upload('acme', await make());
        assert.equal(r.value, undefined, what);
        assert.equal(r.diagnostics[0]?.code, code, what);
        assert.match(r.diagnostics[0]!.summary, message, what);
      }
      assert.deepEqual(await h.repo.versions('acme'), before);
      const missing = await h.repo.upload('nope', hello1);
      assert.equal(missing.diagnostics[0]?.code, 'NOT_FOUND');
    });

    await t.test('stores a package once however many repositories hold it', async () => {
      const a = await h.repo.upload('acme', hello1);
      assert.equal(a.value?.version, 1);
      assert.equal(a.value?.storedNew, true);
      const b = await h.repo.upload('base', hello1);
      assert.equal(b.value?.storedNew, false);
      const again = await h.repo.upload('acme', hello1);
      assert.equal(again.value?.version, undefined, 'the same file twice makes no new version');
      if (local) assert.ok(existsSync(h.repo.artifactPath(a.value!.sha256)));
      assert.deepEqual((await h.repo.removePackages('base', ['hello'])).diagnostics, []);
    });

    await t.test('versions and diff', async () => {
      assert.equal((await h.repo.upload('acme', tools)).value?.version, 2);
      const hello2 = await buildSignedRpm(join(h.dir, 'v2'), { name: 'hello', version: '1.10' }, h.key);
      assert.equal((await h.repo.upload('acme', hello2)).value?.version, 3);
      assert.equal((await h.repo.removePackages('acme', ['hello-1.0-1.noarch.rpm'])).value, 4);
      assert.equal((await h.repo.removePackages('acme', ['tools'])).value, 5);
      const d = (await h.repo.diff('acme', 1, 5)).value!;
      assert.deepEqual(d.added, []);
      assert.deepEqual(d.removed, []);
      assert.deepEqual(d.upgraded, [
        { name: 'hello', arch: 'noarch', from: '1.0-1', to: '1.10-1', downgrade: false },
      ]);
      const d2 = (await h.repo.diff('acme', 3, 1)).value!;
      assert.deepEqual(
        d2.removed.map((p) => p.name),
        ['tools'],
      );
      assert.equal(d2.upgraded[0]?.downgrade, true);
      assert.equal((await h.repo.diff('acme', 1, 99)).diagnostics[0]?.code, 'NOT_FOUND');
      assert.deepEqual(
        (await h.repo.versions('acme')).value.map((v) => [v.number, v.packages]),
        [
          [0, 0],
          [1, 1],
          [2, 2],
          [3, 3],
          [4, 2],
          [5, 1],
        ],
      );
    });

    await t.test('concurrent uploads each get their own version', async () => {
      await h.repo.createRepository('busy', 'busy');
      const files = await Promise.all(
        [1, 2, 3, 4, 5].map((i) =>
          buildSignedRpm(join(h.dir, `busy${i}`), { name: `busy${i}`, version: '1' }, h.key),
        ),
      );
      const results = await Promise.all(files.map((f) => h.repo.upload('busy', f)));
      assert.deepEqual(
        results.map((r) => r.diagnostics),
        [[], [], [], [], []],
      );
      assert.deepEqual(results.map((r) => r.value?.version).sort(), [1, 2, 3, 4, 5]);
      assert.equal((await h.repo.packagesOf('busy')).value.length, 5);
    });

    await t.test('snapshots, distributions and prune', async () => {
      const snap = await h.repo.snapshot('2026-12');
      assert.deepEqual(snap.value?.versions, { acme: 5, base: 2, busy: 5 });
      assert.equal((await h.repo.snapshot('2026-12')).diagnostics[0]?.code, 'CONFLICT');
      const hello3 = await buildSignedRpm(join(h.dir, 'v3'), { name: 'hello', version: '2.0' }, h.key);
      await h.repo.upload('acme', hello3);
      const test1 = await h.repo.distribute('acme', 'test');
      assert.deepEqual(test1.value?.versions, { acme: 6, base: 2 });
      assert.deepEqual(test1.value?.packages, ['hello']);
      const prod = await h.repo.distribute('acme', 'production', { snapshot: '2026-12' });
      assert.equal(prod.value?.snapshot, '2026-12');
      assert.deepEqual(prod.value?.versions, { acme: 5, base: 2 });
      assert.equal((await h.repo.distribute('nobody', 'test')).diagnostics[0]?.code, 'NOT_FOUND');
      // moving test to the snapshot leaves test1's publication unreferenced
      await h.repo.distribute('acme', 'test', { snapshot: '2026-12' });
      const toolsSha = (await h.repo.packagesOf('acme', 2)).value.find((p) => p.name === 'tools')!.sha256;
      const report = await h.repo.prune();
      assert.equal(report.publications, 1);
      assert.deepEqual(
        report.versions.map((v) => `${v.repository}@${v.number}`),
        [
          'acme@0',
          'acme@1',
          'acme@2',
          'acme@3',
          'acme@4',
          'base@0',
          'base@1',
          'busy@0',
          'busy@1',
          'busy@2',
          'busy@3',
          'busy@4',
        ],
      );
      assert.equal(report.artifacts, 2, 'tools-2.0 and hello-1.0 are in no remaining version');
      assert.ok(report.bytes > 0);
      if (local) assert.equal(existsSync(h.repo.artifactPath(toolsSha)), false);
      else assert.ok(toolsSha);
      const again = await h.repo.prune();
      assert.deepEqual(again, { versions: [], publications: 0, artifacts: 0, bytes: 0 });
    });
  });
}
