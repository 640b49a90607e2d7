// One state store: a checkout with the two files of the old layout (state.db with the engine's
// resources, journal and serials; state.sqlite with repositories, versions, publications,
// distributions, snapshots and builds) is merged into state.db the first time a command opens its
// app context, with every row; the old file is renamed aside and never read again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openAppContext } from '../../src/app/index.js';
import { DiagnosticsError } from '../../src/diag/index.js';
import { applyPlan, EngineState, hasChanges, makePlan, ref } from '../../src/engine/index.js';
import type { DesiredResource, EngineContext } from '../../src/engine/index.js';
import { openRepoService, readPublicKeys } from '../../src/repo/index.js';
import { openStore, nowIso } from '../../src/store/index.js';
import { MemoryCloud, memoryDriver } from '../engine/memory-driver.js';
import { buildSignedRpm, noRpmbuild, testKey } from '../repo/rpm-fixtures.js';

type Dump = Record<string, string[]>;

/** Every row of every table of a SQLite file (rows as JSON, sorted), migrations' own tables aside. */
function dump(file: string): Dump {
  // read-write, so that closing it removes the write-ahead log files it would otherwise leave
  const db = new Database(file, { fileMustExist: true });
  try {
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%' ORDER BY name",
      )
      .all() as { name: string }[];
    const out: Dump = {};
    for (const { name } of tables) {
      out[name] = (db.prepare(`SELECT * FROM "${name}"`).all() as object[])
        .map((r) => JSON.stringify(r))
        .sort();
    }
    return out;
  } finally {
    db.close();
  }
}

function union(a: Dump, b: Dump): Dump {
  const out: Dump = {};
  for (const t of new Set([...Object.keys(a), ...Object.keys(b)])) {
    out[t] = [...(a[t] ?? []), ...(b[t] ?? [])].sort();
  }
  return out;
}

const stateFiles = (stateDir: string) =>
  readdirSync(stateDir)
    .filter((f) => f.startsWith('state.'))
    .sort();

function world(flavor: string): DesiredResource[] {
  return [
    {
      address: 't.project.muster-ag',
      kind: 't.project',
      scope: 'muster-ag',
      dependsOn: [],
      desired: { name: 'm' },
    },
    {
      address: 't.server.muster-ag/test/web1',
      kind: 't.server',
      scope: 'muster-ag/test/web1',
      dependsOn: [],
      desired: { project: ref('t.project.muster-ag'), flavor },
    },
  ];
}

/** The engine's part, as the old engine session kept it in state.db. */
async function engineState(stateDir: string) {
  const store = await openStore({ sqlitePath: join(stateDir, 'state.db') });
  const cloud = new MemoryCloud();
  const ctx: EngineContext = {
    store,
    drivers: new Map([
      ['t.project', memoryDriver(cloud, 't.project')],
      ['t.server', memoryDriver(cloud, 't.server', { replaceOn: ['flavor'] })],
    ]),
    recoveryGraceMs: 0,
  };
  const first = await makePlan(ctx, { desired: world('small'), filter: {}, mode: 'apply' });
  assert.equal((await applyPlan(ctx, first.value!)).ok, true);
  // a plan made and stored, to be applied later: it must still be current after the merge
  const stored = (await makePlan(ctx, { desired: world('large'), filter: {}, mode: 'apply' })).value!;
  assert.ok(hasChanges(stored));
  // the journal of a killed apply: a call in flight
  await new EngineState(store).writeIntent({
    address: 't.server.muster-ag/test/web2',
    kind: 't.server',
    scope: 'muster-ag/test/web2',
    endpoint: 'memory',
    action: 'create',
    desired: { flavor: 'small' },
    dependsOn: ['t.project.muster-ag'],
    applyId: 'killed-apply',
    startedAt: nowIso(),
  });
  await store.close();
  return { stored };
}

/** The repository service's part, as the old packaging context kept it in state.sqlite. */
async function repoState(dir: string, stateDir: string) {
  const store = await openStore({ sqlitePath: join(stateDir, 'state.sqlite') });
  const key = await testKey();
  const repo = openRepoService({
    store,
    stateDir,
    signingKey: key,
    trustedKeys: await readPublicKeys(key.publicArmored),
  });
  await repo.createRepository('base', '');
  await repo.createRepository('muster-ag', 'muster-ag');
  const rpm = await buildSignedRpm(join(dir, 'rpms'), { name: 'muster-shop', version: '1.0' }, key);
  assert.deepEqual((await repo.upload('muster-ag', rpm)).diagnostics, []);
  assert.deepEqual((await repo.distribute('muster-ag', 'test')).diagnostics, []);
  assert.deepEqual((await repo.snapshot('2026-01', [])).diagnostics, []);
  await store.db
    .insertInto('package_builds')
    .values({
      package: 'muster-shop',
      tag: 'v1.0',
      commit_sha: 'c'.repeat(40),
      tree_sha: 't'.repeat(40),
      sha256: 'a'.repeat(64),
      filename: 'muster-shop-1.0-1.noarch.rpm',
      log_path: 'builds/muster-shop/v1.0.log',
      built_at: nowIso(),
    })
    .execute();
  await store.close();
}

test('state.db and state.sqlite are merged into state.db with every row', { skip: noRpmbuild }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-migrate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stateDir = join(dir, '.aare');
  const { stored } = await engineState(stateDir);
  await repoState(dir, stateDir);
  const before = union(dump(join(stateDir, 'state.db')), dump(join(stateDir, 'state.sqlite')));
  for (const table of [
    'engine_resources',
    'engine_serials',
    'engine_intents',
    'repo_repositories',
    'repo_versions',
    'repo_version_content',
    'repo_artifacts',
    'repo_publications',
    'repo_distributions',
    'repo_snapshots',
    'repo_snapshot_versions',
    'package_builds',
  ]) {
    assert.ok((before[table] ?? []).length > 0, `the old state has rows of ${table}`);
  }

  const app = openAppContext({ controlRepoDir: dir, env: {} });
  try {
    const store = await app.store();
    // the stored plan is not stale: the serials it was made against are the store's
    const serials = await new EngineState(store).serials();
    for (const [scope, serial] of Object.entries(stored.stateSerial))
      assert.equal(serials[scope] ?? 0, serial);
    const repos = await (await app.repoService()).listRepositories();
    assert.deepEqual(
      repos.map((r) => [r.name, r.latestVersion]),
      [
        ['base', 0],
        ['muster-ag', 1],
      ],
    );
  } finally {
    await app.close();
  }
  const after = dump(join(stateDir, 'state.db'));
  const marker = after.kv!.filter((r) => (JSON.parse(r) as { scope: string }).scope === 'app');
  assert.equal(marker.length, 1, 'the merge is recorded');
  assert.deepEqual({ ...after, kv: after.kv!.filter((r) => !marker.includes(r)) }, before);
  assert.deepEqual(stateFiles(stateDir), ['state.db', 'state.sqlite.migrated']);

  // opened again: nothing is merged twice
  const again = openAppContext({ controlRepoDir: dir, env: {} });
  await again.store();
  await again.close();
  assert.deepEqual(dump(join(stateDir, 'state.db')), after);
});

test('a lone state.sqlite becomes state.db', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-migrate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stateDir = join(dir, '.aare');
  const old = await openStore({ sqlitePath: join(stateDir, 'state.sqlite') });
  await openRepoService({ store: old, stateDir, trustedKeys: [] }).createRepository('base', '');
  await old.close();
  const before = dump(join(stateDir, 'state.sqlite'));
  const app = openAppContext({ controlRepoDir: dir, env: {} });
  try {
    await app.store();
  } finally {
    await app.close();
  }
  assert.deepEqual(stateFiles(stateDir), ['state.db']);
  assert.deepEqual(dump(join(stateDir, 'state.db')), before);
});

test('both files holding rows of one table is a diagnostic, and nothing changes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-migrate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stateDir = join(dir, '.aare');
  for (const [file, name] of [
    ['state.db', 'one'],
    ['state.sqlite', 'two'],
  ] as const) {
    const s = await openStore({ sqlitePath: join(stateDir, file) });
    await openRepoService({ store: s, stateDir, trustedKeys: [] }).createRepository(name, '');
    await s.close();
  }
  const before = [dump(join(stateDir, 'state.db')), dump(join(stateDir, 'state.sqlite'))];
  const app = openAppContext({ controlRepoDir: dir, env: {} });
  await assert.rejects(app.store(), (err: unknown) => {
    assert.ok(err instanceof DiagnosticsError);
    assert.equal(err.diagnostics[0]?.code, 'CONFLICT');
    assert.match(err.diagnostics[0]!.summary, /both hold rows of repo_repositories/);
    return true;
  });
  await app.close();
  assert.deepEqual([dump(join(stateDir, 'state.db')), dump(join(stateDir, 'state.sqlite'))], before);
  assert.deepEqual(stateFiles(stateDir), ['state.db', 'state.sqlite']);
  assert.ok(!existsSync(join(stateDir, 'state.sqlite.migrated')));
});
