// The backup provider: restic repositories on a REST server (rest-server or `rclone serve
// restic`), one per customer environment, and the customers' logins in the server's htpasswd
// file (docs/backup.md).
import type { DesiredResource, EngineDriver } from '../../engine/index.js';
import type { BackupServer } from './backup-server.js';
import type { ProviderEnv, ResourceProvider } from '../provider-types.js';
import { backupResources } from './backup-mapping.js';
import { openBackupServer } from './backup-server.js';
import { loginDriver } from './drivers/login-driver.js';
import { repositoryDriver } from './drivers/repository-driver.js';

/** The endpoint name the engine limits concurrency by. */
export const BACKUP_ENDPOINT = 'backup';

/** Concurrent calls during refresh and apply: each restic run derives a key with scrypt (CPU and memory). */
export const BACKUP_LIMITS = { [BACKUP_ENDPOINT]: 2 } as const;

export interface BackupSettings {
  /** For `env:VAR` references of aare.yaml and restic's PATH. */
  env: ProviderEnv;
}

export const backupProvider: ResourceProvider<BackupSettings> = {
  name: 'backup',
  settings: (env) => ({ env }),
  open({ controlRepo, settings, transport, secrets, deleteBackups }) {
    const server = openBackupServer({
      endpoint: controlRepo.provider.endpoints.backup,
      root: controlRepo.root,
      env: settings.env,
      ...(secrets ? { secrets } : {}),
      ...(transport ? { transport } : {}),
    });
    // without a backup endpoint, Aare keeps no backups: the provider contributes nothing
    if (!server) {
      return Promise.resolve({
        drivers: [],
        limits: {},
        desired: () => Promise.resolve({ value: [], diagnostics: [] }),
      });
    }
    const drivers = backupDrivers(server, { deleteBackups: deleteBackups === true });
    return Promise.resolve({
      drivers,
      limits: BACKUP_LIMITS,
      desired: (request) => {
        const value: DesiredResource[] = backupResources({
          serverUrl: server.serverUrl,
          ...(server.htpasswd ? { htpasswd: server.htpasswd } : {}),
          vms: request.vms
            .filter(({ compiled }) => (compiled.desired.backup?.paths.length ?? 0) > 0)
            .map(({ vm }) => ({ customer: vm.customer, environment: vm.environment })),
        });
        return Promise.resolve({ value, diagnostics: [] });
      },
      close: () => server.close(),
    });
  },
};

/** The drivers of both kinds on one server (tests wire them into an engine of their own). */
export function backupDrivers(server: BackupServer, opts: { deleteBackups: boolean }): EngineDriver[] {
  return [
    loginDriver(() => server.secrets(), BACKUP_ENDPOINT, server.htpasswd) as EngineDriver,
    repositoryDriver({
      server,
      deleteBackups: opts.deleteBackups,
      endpoint: BACKUP_ENDPOINT,
    }) as EngineDriver,
  ];
}
