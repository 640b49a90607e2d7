// The backup server as aare.yaml names it, opened once per command: its URLs, the htpasswd file
// Aare keeps (if any), the REST client, and restic with a private cache directory made on first
// use and removed on close. Shared by the drivers and `aare backup status|prune`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { DiagnosticsError, error, findOnPath, toolMissing } from '../../diag/index.js';
import type { ControlRepo } from '../../model/index.js';

/** aare.yaml `endpoints.backup`. */
export type BackupEndpoint = NonNullable<ControlRepo['provider']['endpoints']['backup']>;
import type { HttpTransport } from '../http-transport.js';
import type { ProviderSecrets } from '../provider-secrets.js';
import type { ProviderEnv } from '../provider-types.js';
import { repositoryHttpUrl, resticRepository } from './backup-names.js';
import { ResticClient } from './restic-client.js';
import type { ResticTarget } from './restic-client.js';
import { RestServerClient } from './rest-server-client.js';
import type { RestLogin } from './rest-server-client.js';

export interface BackupServer {
  /** Full access, for Aare. */
  serverUrl: string;
  /** What the VMs use (append-only). */
  vmUrl: string;
  /** The htpasswd file Aare keeps the logins in, absolute; absent: the operator keeps them. */
  htpasswd: string | undefined;
  rest: RestServerClient;
  restic(): Promise<ResticClient>;
  secrets(): Promise<ProviderSecrets>;
  /** A customer environment's repository: its URL (no secret), the login and restic's target (secrets). */
  repository(
    customer: string,
    environment: string,
  ): Promise<{ url: string; login: RestLogin; target: ResticTarget }>;
  close(): Promise<void>;
}

export interface BackupServerInput {
  /** aare.yaml `endpoints.backup`; absent: no backups. */
  endpoint: BackupEndpoint | undefined;
  /** The control repository's directory (a relative htpasswd path is relative to it). */
  root: string;
  env: ProviderEnv;
  secrets?: () => Promise<ProviderSecrets>;
  transport?: HttpTransport;
}

/** The configured backup server, or undefined when aare.yaml has no `endpoints.backup`. */
export function openBackupServer(input: BackupServerInput): BackupServer | undefined {
  const endpoint = input.endpoint;
  if (!endpoint) return undefined;
  const htpasswd = endpoint.htpasswd ? htpasswdPath(input.root, endpoint.htpasswd, input.env) : undefined;
  const secrets = () => {
    if (!input.secrets)
      throw new Error('the backup provider needs the generated secrets, and none were given');
    return input.secrets();
  };
  let cacheDir: Promise<string> | undefined;
  let client: Promise<ResticClient> | undefined;
  const restic = () =>
    (client ??= (async () => {
      const path = input.env.PATH ?? '/usr/bin:/bin';
      const exe = findOnPath('restic', path);
      if (!exe) throw new DiagnosticsError([toolMissing('restic')]);
      cacheDir ??= mkdtemp(join(tmpdir(), 'aare-restic-'));
      return new ResticClient({ restic: exe, path, cacheDir: await cacheDir });
    })());
  const serverUrl = endpoint.url;
  return {
    serverUrl,
    vmUrl: endpoint.vmUrl ?? endpoint.url,
    htpasswd,
    rest: new RestServerClient(input.transport ? { transport: input.transport } : {}),
    restic,
    secrets,
    async repository(customer, environment) {
      const s = await secrets();
      const login = { user: customer, password: s.backupLoginPassword(customer) };
      return {
        url: repositoryHttpUrl(serverUrl, customer, environment),
        login,
        target: {
          repository: resticRepository(serverUrl, customer, environment, login.password),
          password: s.backupRepositoryPassword(customer, environment),
        },
      };
    },
    async close() {
      if (cacheDir) await rm(await cacheDir, { recursive: true, force: true });
    },
  };
}

/** `endpoints.backup.htpasswd`: `env:VAR` naming the path, or a path (relative to the control repository). */
function htpasswdPath(root: string, ref: string, env: ProviderEnv): string {
  if (ref.startsWith('env:')) {
    const v = env[ref.slice(4)];
    if (!v) {
      throw new DiagnosticsError([
        error('BACKUP_CONFIG', `the backup server's htpasswd file: ${ref.slice(4)} is not set`, {
          field: 'endpoints.backup.htpasswd',
        }),
      ]);
    }
    return resolve(v);
  }
  return isAbsolute(ref) ? ref : resolve(root, ref);
}
