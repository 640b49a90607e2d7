// The backup provider against the lab's real backup server (rclone serve restic): the engine with
// the backup drivers only, customers of the test's own (unique names) in the lab's htpasswd file.
// Checks that apply makes the login and the repository (restic opens it with the generated
// passwords), that a repository deleted by hand is drift, that one a crashed apply made is adopted,
// that destroy keeps the backups unless asked, retention, and late detection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPlan, EngineState, recoverInterrupted } from '../../../src/engine/index.js';
import type { EngineContext } from '../../../src/engine/index.js';
import { openStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/index.js';
import { backup, secretsFromMasterKey } from '../../../src/providers/index.js';
import { actions, converge, plan } from '../../engine/engine-steps.js';

const labSkip =
  process.env.AARE_LAB_BACKUP && process.env.AARE_LAB_BACKUP_HTPASSWD && process.env.AARE_LAB_BACKUP_REPOS
    ? false
    : 'no lab backup server (AARE_LAB_BACKUP unset; run `eval "$(aare lab env)"` after `aare lab up backup`)';
const serverUrl = `http://${process.env.AARE_LAB_BACKUP ?? '127.0.0.1:18280'}`;

function world(deleteBackups = false) {
  const masterKey = randomBytes(32).toString('hex');
  const secrets = secretsFromMasterKey(masterKey);
  const server = backup.openBackupServer({
    endpoint: { url: serverUrl, htpasswd: 'env:AARE_LAB_BACKUP_HTPASSWD' },
    root: tmpdir(),
    env: process.env,
    secrets: () => Promise.resolve(secrets),
  })!;
  const customer = `t${process.pid}${randomBytes(3).toString('hex')}`;
  return { secrets, server, customer, deleteBackups };
}

function ctxOf(store: Store, server: backup.BackupServer, deleteBackups = false): EngineContext {
  const drivers = backup.backupDrivers(server, { deleteBackups });
  return {
    store,
    drivers: new Map(drivers.map((d) => [d.kind, d])),
    limits: backup.BACKUP_LIMITS,
    recoveryGraceMs: 0,
  };
}

const htpasswdLines = () => readFileSync(process.env.AARE_LAB_BACKUP_HTPASSWD!, 'utf8');

test(
  'backup lab: apply makes login and repository, drift, adoption, destroy keeps or deletes',
  { skip: labSkip },
  async () => {
    const w = world();
    const store = await openStore({ sqlitePath: ':memory:' });
    const desired = backup.backupResources({
      serverUrl,
      htpasswd: process.env.AARE_LAB_BACKUP_HTPASSWD!,
      vms: [{ customer: w.customer, environment: 'test' }],
    });
    const repoAddr = backup.addressOf.repository(w.customer, 'test');
    const loginAddr = backup.addressOf.login(w.customer);
    try {
      const ctx = ctxOf(store, w.server);
      const first = await converge(ctx, desired);
      assert.deepEqual(actions(first), { [loginAddr]: 'create', [repoAddr]: 'create' });
      assert.match(htpasswdLines(), new RegExp(`^# aare:${loginAddr}\\n${w.customer}:\\{SHA\\}`, 'm'));
      // restic opens the repository with the generated passwords (as the VMs will)
      const repo = await w.server.repository(w.customer, 'test');
      const restic = await w.server.restic();
      assert.deepEqual(await restic.snapshots(repo.target), []);
      assert.deepEqual(actions(await plan(ctx, desired)), {});

      // deleted by hand: drift, and apply makes it again
      rmSync(join(process.env.AARE_LAB_BACKUP_REPOS!, w.customer, 'test'), { recursive: true, force: true });
      const drift = await plan(ctx, desired);
      assert.deepEqual(actions(drift), { [repoAddr]: 'create' });
      assert.deepEqual(drift.changes.find((c) => c.address === repoAddr)!.reasons, ['deleted outside Aare']);
      await applyPlan(ctx, drift);
      const id = await restic.repositoryId(repo.target);

      // a repository made but never recorded (a crash between init and the record) is adopted
      const fresh = await openStore({ sqlitePath: ':memory:' });
      try {
        const again = await converge(ctxOf(fresh, w.server), desired);
        assert.equal(again.changes.find((c) => c.address === repoAddr)!.action, 'create');
        assert.equal(await restic.repositoryId(repo.target), id, 'the same repository, not a second one');
      } finally {
        await fresh.close();
      }

      // destroy keeps the backups: the repository stays, only the login goes
      await converge(ctx, [], 'destroy');
      assert.equal(existsSync(join(process.env.AARE_LAB_BACKUP_REPOS!, w.customer, 'test', 'config')), true);
      assert.doesNotMatch(htpasswdLines(), new RegExp(`^${w.customer}:`, 'm'));

      // with --delete-backups the data goes too
      await converge(ctx, desired);
      await converge(ctxOf(store, w.server, true), [], 'destroy');
      assert.equal(existsSync(join(process.env.AARE_LAB_BACKUP_REPOS!, w.customer, 'test', 'config')), false);
    } finally {
      await store.close();
      await w.server.close();
      rmSync(join(process.env.AARE_LAB_BACKUP_REPOS!, w.customer), { recursive: true, force: true });
    }
  },
);

test(
  'backup lab: a repository another state made is a conflict naming it, never taken over',
  { skip: labSkip },
  async () => {
    const mine = world();
    const theirs = { ...world(), customer: mine.customer };
    const desired = backup.backupResources({
      serverUrl,
      htpasswd: process.env.AARE_LAB_BACKUP_HTPASSWD!,
      vms: [{ customer: mine.customer, environment: 'test' }],
    });
    const config = join(process.env.AARE_LAB_BACKUP_REPOS!, mine.customer, 'test', 'config');
    const [a, b] = [await openStore({ sqlitePath: ':memory:' }), await openStore({ sqlitePath: ':memory:' })];
    try {
      await converge(ctxOf(a, theirs.server), desired);
      const before = readFileSync(config);
      const ctx = ctxOf(b, mine.server);
      const r = await applyPlan(ctx, await plan(ctx, desired));
      const conflict = r.diagnostics.find((d) => d.code === 'BACKUP_CONFLICT');
      assert.ok(conflict, JSON.stringify(r.diagnostics));
      assert.match(
        conflict.summary,
        new RegExp(`already exists at .*/${mine.customer}/test/ and does not open`),
      );
      assert.ok(readFileSync(config).equals(before), 'the other state’s repository is untouched');
      // the refused create left an open intent; the next command drops it (the repository at that
      // address is not this state's) instead of failing on it, and plans the create again
      const recovered = await recoverInterrupted({ ...ctx, recoveryGraceMs: 0 });
      assert.deepEqual([...recovered.values()], ['gone']);
      assert.deepEqual(await new EngineState(b).intents(), []);
      assert.ok(
        (await plan(ctx, desired)).changes.some(
          (c) => c.kind === 'backup.repository' && c.action === 'create',
        ),
      );
    } finally {
      await a.close();
      await b.close();
      await mine.server.close();
      await theirs.server.close();
      rmSync(join(process.env.AARE_LAB_BACKUP_REPOS!, mine.customer), { recursive: true, force: true });
    }
  },
);

test(
  'backup lab: a hand-written login line is never touched; one with another password is a conflict',
  { skip: labSkip },
  async () => {
    const w = world();
    const file = process.env.AARE_LAB_BACKUP_HTPASSWD!;
    const mine = `${w.customer}:{SHA}AAAAAAAAAAAAAAAAAAAAAAAAAAA=\n`;
    const store = await openStore({ sqlitePath: ':memory:' });
    try {
      writeFileSync(file, htpasswdLines() + mine);
      const ctx = ctxOf(store, w.server);
      const desired = backup.backupResources({
        serverUrl,
        htpasswd: file,
        vms: [{ customer: w.customer, environment: 'test' }],
      });
      const r = await applyPlan(ctx, await plan(ctx, desired));
      assert.equal(r.diagnostics[0]?.code, 'BACKUP_CONFLICT');
      assert.ok(htpasswdLines().includes(mine), 'the hand line is kept byte for byte');
    } finally {
      writeFileSync(file, htpasswdLines().replace(mine, ''));
      await store.close();
      await w.server.close();
    }
  },
);

test(
  'backup lab: prune keeps what retention says, status shows snapshots and flags a VM without',
  { skip: labSkip },
  async () => {
    const w = world();
    const store = await openStore({ sqlitePath: ':memory:' });
    const data = mkdtempSync(join(tmpdir(), 'aare-backup-data-'));
    try {
      const ctx = ctxOf(store, w.server);
      await converge(
        ctx,
        backup.backupResources({
          serverUrl,
          htpasswd: process.env.AARE_LAB_BACKUP_HTPASSWD!,
          vms: [{ customer: w.customer, environment: 'test' }],
        }),
      );
      writeFileSync(join(data, 'db.sql'), 'hello');
      const repo = await w.server.repository(w.customer, 'test');
      const restic = await w.server.restic();
      const day = 24 * 3600 * 1000;
      const at = (daysAgo: number) =>
        new Date(Date.now() - daysAgo * day).toISOString().slice(0, 19).replace('T', ' ');
      // web1: snapshots 10, 5 and 0 days ago; keep-within 3d (counted from the newest) keeps one
      for (const d of [10, 5, 0]) {
        await restic.run(repo.target, ['backup', '--host', 'web1', '--tag', 'aare', '--time', at(d), data]);
      }
      // a snapshot without the aare tag is none of retention's business
      await restic.run(repo.target, ['backup', '--host', 'web1', '--time', at(20), data]);
      const vms: backup.BackupVm[] = [
        {
          address: `${w.customer}/test/web1`,
          customer: w.customer,
          environment: 'test',
          name: 'web1',
          schedule: '02:00',
          retentionDays: 3,
        },
        {
          address: `${w.customer}/test/db1`,
          customer: w.customer,
          environment: 'test',
          name: 'db1',
          schedule: '02:00',
          retentionDays: 3,
        },
      ];
      const pruned = await backup.backupPrune(w.server, vms);
      assert.deepEqual(
        pruned.find((p) => p.address.endsWith('/web1')),
        { address: `${w.customer}/test/web1`, before: 3, after: 1 },
      );
      assert.equal(
        (await restic.snapshots(repo.target, { host: 'web1' })).length,
        2,
        'the untagged snapshot stays',
      );

      const status = await backup.backupStatus(w.server, vms, { timeZone: 'Europe/Zurich', now: new Date() });
      const web1 = status.find((s) => s.vm === 'web1')!;
      const db1 = status.find((s) => s.vm === 'db1')!;
      assert.equal(web1.snapshots, 1);
      assert.equal(web1.late, false);
      assert.ok(web1.lastSnapshot);
      assert.deepEqual([db1.snapshots, db1.late, db1.lastSnapshot], [0, true, undefined]);
      await converge(ctxOf(store, w.server, true), [], 'destroy');
    } finally {
      rmSync(data, { recursive: true, force: true });
      await store.close();
      await w.server.close();
      rmSync(join(process.env.AARE_LAB_BACKUP_REPOS!, w.customer), { recursive: true, force: true });
    }
  },
);
