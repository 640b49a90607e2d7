// Taking content away: prune's dry run and retention, deleting repositories and distributions
// (refused while a snapshot, a distribution or a release still needs them), and the model check
// of the names content commands are given (pure, in memory).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { storeBackendsForTests } from '../store/store-test-backends.js';
import { checkModelNames } from '../../src/repo/index.js';
import { buildSignedRpm, noRpmbuild } from './rpm-fixtures.js';
import { openHarness } from './repo-harness.js';

test('checkModelNames names the unknown field', () => {
  const model = { customers: new Map([['muster-ag', { environments: new Map([['test', {}]]) }]]) };
  assert.deepEqual(checkModelNames(model, { customer: 'muster-ag', environment: 'test' }), []);
  const [c] = checkModelNames(model, { customer: 'nosuch', environment: 'test' });
  assert.equal(c?.code, 'UNKNOWN_REFERENCE');
  assert.equal(c?.field, 'customer');
  assert.match(c!.summary, /no customer 'nosuch'.*known: muster-ag/);
  const [e] = checkModelNames(model, { customer: 'muster-ag', environment: 'staging' });
  assert.equal(e?.field, 'environment');
  assert.match(e!.summary, /no environment 'staging'.*known: test/);
});

for (const backend of storeBackendsForTests()) {
  test(`retiring content (${backend.name})`, { skip: noRpmbuild, timeout: 300_000 }, async (t) => {
    const h = await openHarness({ storeOptions: await backend.fresh() });
    t.after(() => h.close());
    await h.repo.createRepository('acme', 'acme');
    const shas: string[] = [];
    for (const version of ['1.0', '2.0', '3.0']) {
      const rpm = await buildSignedRpm(join(h.dir, `v${version}`), { name: 'hello', version }, h.key);
      const up = await h.repo.upload('acme', rpm);
      assert.deepEqual(up.diagnostics, []);
      shas.push(up.value!.sha256);
    }
    const first = (await h.repo.packagesOf('acme')).value.find((p) => p.version === '1.0')!;
    assert.deepEqual((await h.repo.removePackages('acme', [first.filename])).diagnostics, []);
    // versions 0..4; hello-1.0 is only in versions 1 to 3

    await t.test('prune --dry-run reports and removes nothing; retention keeps what it says', async () => {
      const dry = await h.repo.prune({ dryRun: true });
      assert.deepEqual(
        dry.versions.map((v) => v.number),
        [0, 1, 2, 3],
      );
      assert.equal(dry.artifacts, 1);
      assert.equal((await h.repo.versions('acme')).value.length, 5, 'a dry run deletes nothing');
      assert.ok(existsSync(h.repo.artifactPath(shas[0]!)));
      const keep3 = await h.repo.prune({ keepVersions: 3, dryRun: true });
      assert.deepEqual(
        keep3.versions.map((v) => v.number),
        [0, 1],
      );
      const young = await h.repo.prune({ olderThanMs: 3600_000, dryRun: true });
      assert.deepEqual(young.versions, [], 'every version is younger than an hour');
      const later = new Date(Date.now() + 2 * 3600_000).toISOString();
      const old = await h.repo.prune({ olderThanMs: 3600_000, now: later });
      assert.deepEqual(
        old.versions.map((v) => v.number),
        [0, 1, 2, 3],
      );
      assert.equal(existsSync(h.repo.artifactPath(shas[0]!)), false);
      assert.deepEqual(
        (await h.repo.versions('acme')).value.map((v) => v.number),
        [4],
      );
    });

    await t.test('delete and undistribute are refused while something needs them', async () => {
      await h.repo.createRepository('spare', 'acme');
      await h.repo.snapshot('2027-01', ['acme']);
      await h.repo.distribute('acme', 'production', { snapshot: '2027-01' });
      const held = await h.repo.deleteRepository('acme');
      assert.deepEqual(
        held.diagnostics.map((d) => [d.code, d.field]),
        [
          ['CONFLICT', 'repository'],
          ['CONFLICT', 'repository'],
        ],
      );
      assert.match(held.diagnostics[0]!.summary, /snapshot\(s\) 2027-01/);
      assert.match(held.diagnostics[1]!.summary, /distribution\(s\) acme\/production/);
      assert.equal((await h.repo.deleteRepository('nosuch')).diagnostics[0]?.code, 'NOT_FOUND');

      await h.store.db
        .insertInto('releases')
        .values({
          name: '2027-01',
          month: '2027-01',
          frozen_at: new Date().toISOString(),
          commit: '0'.repeat(40),
          snapshot: '2027-01',
          frozen_by: 'test',
        })
        .execute();
      const released = await h.repo.undistribute('acme', 'production');
      assert.equal(released.diagnostics[0]?.code, 'CONFLICT');
      assert.match(released.diagnostics[0]!.summary, /release '2027-01'/);
      assert.equal((await h.repo.distributions()).length, 1, 'refused: nothing changed');

      await h.repo.distribute('acme', 'test');
      assert.deepEqual((await h.repo.undistribute('acme', 'test')).diagnostics, []);
      assert.deepEqual(
        (await h.repo.distributions()).map((d) => d.basePath),
        ['acme/production'],
      );
      assert.equal((await h.repo.undistribute('acme', 'test')).diagnostics[0]?.code, 'NOT_FOUND');

      assert.deepEqual((await h.repo.deleteRepository('spare')).diagnostics, []);
      assert.deepEqual(
        (await h.repo.listRepositories()).map((r) => r.name),
        ['acme'],
      );
    });
  });
}
