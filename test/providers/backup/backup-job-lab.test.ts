// The backup job a VM gets from cloud-init, run for real: its credentials file (tokens filled as
// the server driver fills them), its paths file and its service's ExecStart, with a local
// directory standing in for the VM's data. The snapshot lands in the customer environment's
// repository through the append-only address; the VM's own credentials cannot delete it; `aare
// backup status` (the provider's status) sees it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupCloudConfig, BACKUP_ENV_FILE, BACKUP_PATHS_FILE } from '../../../src/compile/index.js';
import { applyPlan, makePlan } from '../../../src/engine/index.js';
import { openStore } from '../../../src/store/index.js';
import { backup, fillSecretTokens, secretsFromMasterKey } from '../../../src/providers/index.js';

const env = process.env;
const labSkip =
  env.AARE_LAB_BACKUP && env.AARE_LAB_BACKUP_APPENDONLY && env.AARE_LAB_BACKUP_HTPASSWD
    ? false
    : 'no lab backup server (AARE_LAB_BACKUP unset; run `eval "$(aare lab env)"` after `aare lab up backup`)';

/** KEY=value lines of an EnvironmentFile. */
function envFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

test(
  'backup job: the generated job makes a snapshot the VM cannot delete; status sees it',
  { skip: labSkip, timeout: 120_000 },
  async () => {
    const serverUrl = `http://${env.AARE_LAB_BACKUP}`;
    const secrets = secretsFromMasterKey(randomBytes(32).toString('hex'));
    const customer = `j${process.pid}${randomBytes(3).toString('hex')}`;
    const server = backup.openBackupServer({
      endpoint: { url: serverUrl, htpasswd: 'env:AARE_LAB_BACKUP_HTPASSWD' },
      root: tmpdir(),
      env,
      secrets: () => Promise.resolve(secrets),
    })!;
    const store = await openStore({ sqlitePath: ':memory:' });
    const vm = mkdtempSync(join(tmpdir(), 'aare-vm-'));
    const data = join(vm, 'srv', 'shop');
    mkdirSync(data, { recursive: true });
    const token = randomBytes(8).toString('hex');
    writeFileSync(join(data, 'orders.csv'), `order,${token}\n`);
    try {
      // the login and the repository, as apply makes them
      const drivers = backup.backupDrivers(server, { deleteBackups: true });
      const ctx = { store, drivers: new Map(drivers.map((d) => [d.kind, d])), limits: backup.BACKUP_LIMITS };
      const desired = backup.backupResources({
        serverUrl,
        htpasswd: env.AARE_LAB_BACKUP_HTPASSWD!,
        vms: [{ customer, environment: 'test' }],
      });
      const plan = await makePlan(ctx, { desired, filter: {}, mode: 'apply' });
      assert.deepEqual((await applyPlan(ctx, plan.value!)).diagnostics, []);

      // the job as cloud-init delivers it, secrets filled for this customer environment
      const job = backupCloudConfig({
        vmName: 'web1',
        fqdn: `web1.test.${customer}.cloud.test`,
        customer,
        environment: 'test',
        serverUrl: `http://${env.AARE_LAB_BACKUP_APPENDONLY}`,
        timezone: 'Europe/Zurich',
        job: {
          paths: [data],
          schedule: '02:00',
          retentionDays: 7,
          from: { schedule: 'default', retentionDays: 'default' },
        },
      });
      const file = (path: string) => job.files.find((f) => f.path === path)!;
      const credentials = file(BACKUP_ENV_FILE);
      assert.equal(credentials.mode, '0600');
      const vmEnv = envFile(fillSecretTokens(credentials.content, secrets, customer, 'test'));
      const pathsFile = join(vm, 'backup.paths');
      writeFileSync(pathsFile, file(BACKUP_PATHS_FILE).content);
      const unit = file('/etc/systemd/system/aare-backup.service').content;
      const exec = /^ExecStart=(.*)$/m.exec(unit)![1]!.split(' ');
      assert.equal(exec[0], '/usr/bin/restic');
      const args = exec.slice(1).map((a) => (a === BACKUP_PATHS_FILE ? pathsFile : a));
      const childEnv = { PATH: '/usr/bin:/bin', ...vmEnv, RESTIC_CACHE_DIR: join(vm, 'cache') };
      const run = spawnSync(exec[0]!, args, { env: childEnv, encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);

      // the snapshot is in the customer's repository, with the data
      const repo = await server.repository(customer, 'test');
      const restic = await server.restic();
      const snaps = await restic.snapshots(repo.target, { host: 'web1', tag: 'aare' });
      assert.equal(snaps.length, 1);
      assert.equal(
        await restic.run(repo.target, ['dump', 'latest', join(data, 'orders.csv')]),
        `order,${token}\n`,
      );

      // the VM's credentials are append-only: deleting its snapshot is refused (restic itself would
      // retry that for ~45 s before giving up, so the REST call is made directly)
      const vmRepo = new URL(vmEnv.RESTIC_REPOSITORY!.replace(/^rest:/, ''));
      const auth = Buffer.from(`${vmRepo.username}:${vmRepo.password}`).toString('base64');
      vmRepo.username = '';
      vmRepo.password = '';
      const del = await fetch(new URL(`snapshots/${snaps[0]!.id}`, vmRepo), {
        method: 'DELETE',
        headers: { authorization: `Basic ${auth}` },
      });
      assert.equal(del.status, 403, 'a VM cannot delete its backups');
      assert.equal((await restic.snapshots(repo.target, { host: 'web1' })).length, 1);

      // status sees the snapshot and does not flag web1; db1, which never ran its job, is late
      const vms = ['web1', 'db1'].map((name) => ({
        address: `${customer}/test/${name}`,
        customer,
        environment: 'test',
        name,
        schedule: '02:00',
        retentionDays: 7,
      }));
      const status = await backup.backupStatus(server, vms, { timeZone: 'Europe/Zurich', now: new Date() });
      assert.deepEqual(status.map((s) => [s.vm, s.snapshots, s.late]).sort(), [
        ['db1', 0, true],
        ['web1', 1, false],
      ]);
      await applyPlan(ctx, (await makePlan(ctx, { desired: [], filter: {}, mode: 'destroy' })).value!);
    } finally {
      rmSync(vm, { recursive: true, force: true });
      await store.close();
      await server.close();
    }
  },
);
