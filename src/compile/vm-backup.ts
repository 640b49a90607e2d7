// A VM's backup job as cloud-init delivers it: restic, its credentials (0600, root only), the
// paths its profiles declare, and a systemd service run daily by a timer at the schedule from
// Hiera, in the provider's maintenance time zone. The VM backs up into its customer
// environment's repository on the append-only address; retention runs provider-side
// (`aare backup prune`), so a VM can never delete its own backups (docs/backup.md).
import type { CloudFile } from './cloud-init-render.js';
import type { BackupJob } from './desired-state.js';
import { SECRET_TOKENS } from './secret-tokens.js';

export const BACKUP_ENV_FILE = '/etc/aare/backup.env';
export const BACKUP_PATHS_FILE = '/etc/aare/backup.paths';
export const BACKUP_SERVICE = 'aare-backup.service';
export const BACKUP_TIMER = 'aare-backup.timer';
/** The tag every snapshot Aare's job makes carries; prune and status look only at these. */
export const BACKUP_TAG = 'aare';

/** The restic repository of a customer environment on a REST server; `password` is the login's. */
export function backupRepositoryUrl(
  serverUrl: string,
  customer: string,
  environment: string,
  password: string,
): string {
  // composed by hand: URL would percent-encode a token; customer names and generated passwords
  // (base64url) need no encoding
  const u = new URL(serverUrl);
  const path = u.pathname.replace(/\/+$/, '');
  return `rest:${u.protocol}//${customer}:${password}@${u.host}${path}/${customer}/${environment}/`;
}

export interface BackupJobInput {
  /** The VM's name: the snapshots' host, unique in its environment's repository. */
  vmName: string;
  fqdn: string;
  customer: string;
  environment: string;
  /** The address VMs reach the backup server at (append-only where the server offers it). */
  serverUrl: string;
  /** IANA time zone the schedule is in. */
  timezone: string;
  job: BackupJob;
}

export interface BackupCloudConfig {
  packages: string[];
  files: CloudFile[];
  services: string[];
}

/** The files, package and timer of the VM's backup job. Secrets are tokens the sender fills. */
export function backupCloudConfig(input: BackupJobInput): BackupCloudConfig {
  const { job } = input;
  const repository = backupRepositoryUrl(
    input.serverUrl,
    input.customer,
    input.environment,
    SECRET_TOKENS.backupLoginPassword,
  );
  const env = [
    '# Aare: credentials of this VM’s backup repository (root only)',
    `RESTIC_REPOSITORY=${repository}`,
    `RESTIC_PASSWORD=${SECRET_TOKENS.backupRepositoryPassword}`,
    'RESTIC_CACHE_DIR=/var/cache/aare-backup',
    '',
  ].join('\n');
  const service = [
    '[Unit]',
    `Description=Aare backup of ${input.fqdn} (restic)`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    `EnvironmentFile=${BACKUP_ENV_FILE}`,
    `ExecStart=/usr/bin/restic backup --host ${input.vmName} --tag ${BACKUP_TAG} --files-from ${BACKUP_PATHS_FILE}`,
    // 3: the snapshot was made but some paths could not be read (a path a profile declares that
    // the application has not created yet); the snapshot still counts
    'SuccessExitStatus=3',
    'Nice=10',
    'IOSchedulingClass=idle',
    '',
  ].join('\n');
  const timer = [
    '[Unit]',
    `Description=Daily Aare backup of ${input.fqdn} at ${job.schedule} ${input.timezone}`,
    '',
    '[Timer]',
    `OnCalendar=*-*-* ${job.schedule}:00 ${input.timezone}`,
    // a VM that was off at the scheduled time backs up when it comes back
    'Persistent=true',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return {
    packages: ['restic'],
    files: [
      { path: BACKUP_ENV_FILE, content: env, mode: '0600', owner: 'root:root' },
      { path: BACKUP_PATHS_FILE, content: job.paths.join('\n') + '\n', mode: '0644', owner: 'root:root' },
      { path: `/etc/systemd/system/${BACKUP_SERVICE}`, content: service, mode: '0644', owner: 'root:root' },
      { path: `/etc/systemd/system/${BACKUP_TIMER}`, content: timer, mode: '0644', owner: 'root:root' },
    ],
    services: [BACKUP_TIMER],
  };
}
