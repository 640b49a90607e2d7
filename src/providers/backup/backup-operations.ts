// What `aare backup status|prune|server-config` do on the real repositories. Read-only except
// prune, which runs each VM's retention (`restic forget --prune`) on the full-access server: VMs
// only have append-only access and cannot delete their own snapshots.
import { BACKUP_TAG } from '../../compile/index.js';
import type { ProviderSecrets } from '../provider-secrets.js';
import type { BackupServer } from './backup-server.js';
import { isLate } from './backup-schedule.js';
import { htpasswdHash, MARKER_PREFIX } from './htpasswd-file.js';
import { addressOf } from './backup-names.js';

/** The tag every VM's job gives its snapshots; retention and status look only at these. */
/** The tag of the snapshots the VMs' backup job makes: prune and status look at these only. */
export { BACKUP_TAG };

/** A VM with a backup job, as the CLI compiled it. */
export interface BackupVm {
  /** `customer/environment/vm` */
  address: string;
  customer: string;
  environment: string;
  /** The VM's name: the `--host` of its snapshots. */
  name: string;
  schedule: string;
  retentionDays: number;
}

export interface VmBackupStatus {
  address: string;
  customer: string;
  environment: string;
  vm: string;
  schedule: string;
  retentionDays: number;
  /** The customer environment's repository exists on the server. */
  repository: boolean;
  snapshots: number;
  /** Time of the newest snapshot (ISO 8601), absent when there is none. */
  lastSnapshot?: string;
  late: boolean;
}

/** Groups VMs by customer environment, in order. */
function byEnvironment(vms: readonly BackupVm[]): Map<string, BackupVm[]> {
  const out = new Map<string, BackupVm[]>();
  for (const vm of [...vms].sort((a, b) => (a.address < b.address ? -1 : 1))) {
    const key = `${vm.customer}/${vm.environment}`;
    out.set(key, [...(out.get(key) ?? []), vm]);
  }
  return out;
}

/** Each VM's snapshots in its environment's repository (one `restic snapshots` per environment). */
export async function backupStatus(
  server: BackupServer,
  vms: readonly BackupVm[],
  opts: { timeZone: string; now: Date; signal?: AbortSignal },
): Promise<VmBackupStatus[]> {
  const out: VmBackupStatus[] = [];
  for (const group of byEnvironment(vms).values()) {
    const { customer, environment } = group[0]!;
    const repo = await server.repository(customer, environment);
    const present = await server.rest.exists(repo.url, repo.login, opts.signal);
    const snapshots = present
      ? await (await server.restic()).snapshots(repo.target, { tag: BACKUP_TAG }, opts.signal)
      : [];
    for (const vm of group) {
      const mine = snapshots.filter((s) => s.hostname === vm.name).map((s) => new Date(s.time));
      const last = mine.length > 0 ? new Date(Math.max(...mine.map((d) => d.getTime()))) : undefined;
      out.push({
        address: vm.address,
        customer,
        environment,
        vm: vm.name,
        schedule: vm.schedule,
        retentionDays: vm.retentionDays,
        repository: present,
        snapshots: mine.length,
        ...(last ? { lastSnapshot: last.toISOString() } : {}),
        late: isLate(last, vm.schedule, opts.timeZone, opts.now),
      });
    }
  }
  return out;
}

export interface VmPruneResult {
  address: string;
  before: number;
  after: number;
  /** No repository yet: nothing to prune. */
  skipped?: 'no repository';
}

/**
 * Runs every VM's retention: `restic forget --host <vm> --tag aare --keep-within <days>d --prune`.
 * restic counts `--keep-within` back from the VM's newest snapshot, so a VM whose backups stopped
 * keeps its last days of snapshots. Stops at the first failure (restic leaves the repository
 * consistent; the next prune finishes the work).
 */
export async function backupPrune(
  server: BackupServer,
  vms: readonly BackupVm[],
  opts: { signal?: AbortSignal; onVm?: (r: VmPruneResult) => void } = {},
): Promise<VmPruneResult[]> {
  const out: VmPruneResult[] = [];
  const restic = await server.restic();
  for (const group of byEnvironment(vms).values()) {
    const repo = await server.repository(group[0]!.customer, group[0]!.environment);
    const present = await server.rest.exists(repo.url, repo.login, opts.signal);
    for (const vm of group) {
      let r: VmPruneResult;
      if (!present) r = { address: vm.address, before: 0, after: 0, skipped: 'no repository' };
      else {
        const filter = { host: vm.name, tag: BACKUP_TAG };
        const before = (await restic.snapshots(repo.target, filter, opts.signal)).length;
        await restic.forget(
          repo.target,
          { host: vm.name, tag: BACKUP_TAG, keepWithinDays: vm.retentionDays },
          opts.signal,
        );
        const after = (await restic.snapshots(repo.target, filter, opts.signal)).length;
        r = { address: vm.address, before, after };
      }
      opts.onVm?.(r);
      out.push(r);
    }
  }
  return out;
}

/**
 * The htpasswd lines of `customers`, with Aare's markers, for an operator who installs them on a
 * server whose file Aare cannot write. The output holds password hashes: it is for that file only.
 */
export function serverConfigLines(secrets: ProviderSecrets, customers: readonly string[]): string[] {
  return [...new Set(customers)]
    .sort()
    .flatMap((c) => [
      `${MARKER_PREFIX}${addressOf.login(c)}`,
      `${c}:${htpasswdHash(secrets.backupLoginPassword(c))}`,
    ]);
}
