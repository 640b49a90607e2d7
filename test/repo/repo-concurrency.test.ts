// The repository service under concurrent writers, on every store backend: distributes racing
// each other and prune, prune racing an upload of a blob it would consider unused, a prune that
// died between its rows and its files, and the same races between processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeBackendsForTests } from '../store/store-test-backends.js';
import type { StoreOptions } from '../../src/store/index.js';
import { buildSignedRpm, noRpmbuild, testKeyFile } from './rpm-fixtures.js';
import { openHarness } from './repo-harness.js';
import type { Harness } from './repo-harness.js';

/** Every version's blobs exist; every distribution serves a whole publication whose files exist. */
async function assertConsistent(h: Harness, label: string): Promise<void> {
  const held = await h.store.db.selectFrom('repo_version_content').select('sha256').distinct().execute();
  for (const { sha256 } of held)
    assert.ok(
      existsSync(h.repo.artifactPath(sha256)),
      `${label}: a version holds ${sha256} but its file is gone`,
    );
  for (const d of await h.repo.distributions()) {
    const r = await h.repo.resolveDistribution(d.basePath);
    assert.ok(r, `${label}: ${d.basePath} resolves`);
    assert.ok(
      existsSync(join(r.dir, 'repodata', 'repomd.xml.asc')),
      `${label}: ${d.basePath} has its repodata`,
    );
    const files = JSON.parse(readFileSync(join(r.dir, 'packages.json'), 'utf8')) as Record<string, string>;
    for (const [name, sha] of Object.entries(files))
      assert.ok(
        existsSync(h.repo.artifactPath(sha)),
        `${label}: ${d.basePath} serves ${name}, whose file is gone`,
      );
  }
}

const settled = async <T>(p: Promise<T>): Promise<T | string> =>
  p.catch((err: unknown) => `threw: ${String(err)}`);

for (const backend of storeBackendsForTests()) {
  test(
    `repository service under concurrency (${backend.name})`,
    { skip: noRpmbuild, timeout: 600_000 },
    async (t) => {
      const h = await openHarness({ storeOptions: await backend.fresh() });
      t.after(() => h.close());
      const rpms = join(h.dir, 'rpms');
      await h.repo.createRepository('base', '');
      await h.repo.createRepository('acme', 'acme');
      await h.repo.createRepository('spare', 'spare');
      const hellos = await Promise.all(
        [0, 1, 2, 3, 4, 5].map((i) =>
          buildSignedRpm(join(rpms, `hello${i}`), { name: 'hello', version: `1.${i}` }, h.key),
        ),
      );
      const blob = await buildSignedRpm(join(rpms, 'blob'), { name: 'blob', version: '1.0' }, h.key);

      await t.test('concurrent distributes of one distribution end with one row', async () => {
        for (const [round, file] of hellos.slice(0, 3).entries()) {
          assert.deepEqual((await h.repo.upload('acme', file)).diagnostics, []);
          const results = await Promise.all([1, 2, 3].map(() => settled(h.repo.distribute('acme', 'test'))));
          for (const r of results) assert.ok(typeof r !== 'string', `round ${round}: ${r as string}`);
          const done = results as Exclude<(typeof results)[number], string>[];
          assert.deepEqual(
            done.map((r) => r.diagnostics),
            [[], [], []],
          );
          const rows = await h.store.db.selectFrom('repo_distributions').selectAll().execute();
          assert.equal(rows.length, 1);
          assert.ok(done.every((r) => r.value?.publicationId === rows[0]!.publication_id));
          assert.deepEqual(done[0]!.value?.versions, { acme: round + 1, base: 0 });
        }
        await assertConsistent(h, 'after concurrent distributes');
      });

      await t.test('distribute and prune at the same time', async () => {
        for (const [round, file] of hellos.slice(3).entries()) {
          await h.repo.upload('acme', file);
          const results = await Promise.all([
            settled(h.repo.distribute('acme', 'test')),
            settled(h.repo.prune()),
            settled(h.repo.distribute('acme', 'production')),
            settled(h.repo.prune()),
          ]);
          for (const r of results) assert.ok(typeof r !== 'string', `round ${round}: ${r as string}`);
          await assertConsistent(h, `distribute + prune round ${round}`);
        }
        assert.deepEqual(
          (await h.repo.distributions()).map((d) => [d.basePath, d.versions.acme]),
          [
            ['acme/production', 6],
            ['acme/test', 6],
          ],
        );
        assert.equal((await h.repo.moveDistribution('acme/test', 999_999)).diagnostics[0]?.code, 'NOT_FOUND');
      });

      await t.test('prune racing an upload never leaves a version without its blob', async () => {
        // Each round makes `blob` unreferenced (uploaded to spare, then removed and its version
        // pruned away), then uploads it to acme while a prune runs, started a few ticks later each
        // round, so that the prune lands at every step of the upload.
        for (let ticks = 0; ticks < 40; ticks++) {
          await h.repo.upload('spare', blob);
          await h.repo.removePackages('spare', ['blob']);
          const up = h.repo.upload('acme', blob);
          for (let i = 0; i < ticks; i++) await new Promise((resolve) => setImmediate(resolve));
          const [u, p] = await Promise.all([settled(up), settled(h.repo.prune())]);
          assert.ok(typeof u !== 'string', `ticks ${ticks}: ${u as string}`);
          assert.ok(typeof p !== 'string', `ticks ${ticks}: ${p as string}`);
          assert.deepEqual(u.diagnostics, []);
          assert.ok(
            existsSync(h.repo.artifactPath(u.value!.sha256)),
            `ticks ${ticks}: acme holds blob, whose file is gone`,
          );
          await assertConsistent(h, `upload + prune after ${ticks} ticks`);
          await h.repo.removePackages('acme', ['blob']);
        }
        await h.repo.distribute('acme', 'test');
        await h.repo.prune();
        await assertConsistent(h, 'after the upload + prune rounds');
      });

      await t.test('a prune killed between its rows and its files is finished by the next', async () => {
        await h.repo.upload('spare', blob);
        await h.repo.distribute('spare', 'test');
        const sha = (await h.repo.packagesOf('spare')).value[0]!.sha256;
        const pub = (await h.repo.resolveDistribution('spare/test'))!;
        // what a prune that committed its rows and died before removing files leaves behind
        await h.store.transaction(async (trx) => {
          await trx.deleteFrom('repo_distributions').where('base_path', '=', 'spare/test').execute();
          await trx.deleteFrom('repo_publications').where('id', '=', pub.publicationId).execute();
          const versions = await trx
            .selectFrom('repo_version_content')
            .select('version_id')
            .where('sha256', '=', sha)
            .execute();
          for (const v of versions) {
            await trx.deleteFrom('repo_version_content').where('version_id', '=', v.version_id).execute();
            await trx.deleteFrom('repo_snapshot_versions').where('version_id', '=', v.version_id).execute();
          }
          await trx.deleteFrom('repo_artifacts').where('sha256', '=', sha).execute();
        });
        // and what a killed upload or publication leaves: temporary files, one long abandoned
        const artifact = h.repo.artifactPath(sha);
        const abandoned = `${artifact}.tmp-0123456789ab`;
        const young = `${artifact}.tmp-ba9876543210`;
        writeFileSync(abandoned, 'partial');
        writeFileSync(young, 'partial');
        const old = new Date(Date.now() - 2 * 3600_000);
        utimesSync(abandoned, old, old);
        const pubTmp = `${pub.dir}.tmp-0123456789ab`;
        mkdirSync(pubTmp);
        utimesSync(pubTmp, old, old);
        assert.ok(existsSync(artifact) && existsSync(pub.dir));

        const report = await h.repo.prune();
        assert.equal(report.artifacts, 1, 'the file without a row is freed');
        assert.equal(report.publications, 1, 'the directory without a row is freed');
        assert.ok(report.bytes > 0);
        assert.equal(existsSync(artifact), false);
        assert.equal(existsSync(pub.dir), false);
        assert.equal(existsSync(abandoned), false, 'an abandoned temporary file is removed');
        assert.equal(existsSync(pubTmp), false, 'an abandoned temporary directory is removed');
        assert.equal(existsSync(young), true, 'a temporary file that may still be written stays');
        rmSync(young);
        assert.deepEqual(await h.repo.prune(), { versions: [], publications: 0, artifacts: 0, bytes: 0 });
        await assertConsistent(h, 'after the killed prune');
      });
    },
  );

  test(
    `repository service with four processes (${backend.name})`,
    { skip: noRpmbuild, timeout: 600_000 },
    async (t) => {
      let storeOptions: StoreOptions;
      if (backend.name === 'sqlite') {
        const dir = mkdtempSync(join(tmpdir(), 'aare-repo-procs-'));
        t.after(() => rmSync(dir, { recursive: true, force: true }));
        storeOptions = { sqlitePath: join(dir, 'state.db') };
      } else {
        storeOptions = await backend.fresh();
      }
      const h = await openHarness({ storeOptions });
      t.after(() => h.close());
      await h.repo.createRepository('acme', 'acme');
      const rpms = join(h.dir, 'rpms');
      const files = await Promise.all(
        [0, 1, 2].map((i) => buildSignedRpm(join(rpms, `p${i}`), { name: `p${i}`, version: '1' }, h.key)),
      );
      await h.repo.upload('acme', files[0]!);
      await h.repo.distribute('acme', 'test');
      // every round of the uploader makes a new acme version, so the distributors race to write
      // and record the same new publication while the pruner removes the ones left behind
      const jobs = [
        { op: 'upload', customer: 'acme', files: files.slice(1) },
        { op: 'distribute', customer: 'acme' },
        { op: 'distribute', customer: 'acme' },
        { op: 'prune', customer: 'acme' },
      ];
      const workers = jobs.map((job) => {
        const child = spawn(process.execPath, [
          '--import',
          'tsx',
          join(import.meta.dirname, 'repo-race-worker.ts'),
          JSON.stringify({ ...job, storeOptions, stateDir: h.stateDir, keyFile: testKeyFile(), rounds: 25 }),
        ]);
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        const ready = new Promise<void>((resolve, reject) => {
          child.stdout.on('data', () => out.startsWith('ready\n') && resolve());
          child.on('exit', () => reject(new Error(`worker ${job.op} exited before it was ready: ${err}`)));
        });
        const done = new Promise<string[]>((resolve, reject) =>
          child.on('exit', (code) =>
            code === 0
              ? resolve((JSON.parse(out.slice('ready\n'.length)) as { failures: string[] }).failures)
              : reject(new Error(`worker ${job.op} exited with ${code}: ${err}`)),
          ),
        );
        return { child, ready, done };
      });
      await Promise.all(workers.map((w) => w.ready));
      for (const w of workers) w.child.stdin.end('go\n');
      const failures = await Promise.all(workers.map((w) => w.done));
      assert.deepEqual(failures, [[], [], [], []]);
      assert.equal((await h.store.db.selectFrom('repo_distributions').selectAll().execute()).length, 1);
      await assertConsistent(h, 'four processes');
    },
  );
}
