/**
 * The backup provider: restic repositories behind restic's REST protocol (rest-server or `rclone
 * serve restic`), one per customer environment, each customer's login in the server's htpasswd
 * file, and the operations of `aare backup` (status, prune, server-config). restic runs with a
 * clean environment and gets every secret through its environment, never its command line. No
 * password or hash is ever in a desired resource, a state record, a plan or a message.
 */
export { backupProvider, backupDrivers, BACKUP_ENDPOINT, BACKUP_LIMITS } from './backup-provider.js';
export type { BackupSettings } from './backup-provider.js';
export { backupResources, PASSWORD_GENERATED, PASSWORD_CHANGED } from './backup-mapping.js';
export type { BackupInput, BackupLoginDesired, BackupRepositoryDesired } from './backup-mapping.js';
export { addressOf, repositoryHttpUrl, resticRepository } from './backup-names.js';
export { openBackupServer } from './backup-server.js';
export type { BackupServer, BackupServerInput, BackupEndpoint } from './backup-server.js';
export { ResticClient } from './restic-client.js';
export type { ResticTarget, ResticSnapshot } from './restic-client.js';
export { RestServerClient } from './rest-server-client.js';
export { backupStatus, backupPrune, serverConfigLines, BACKUP_TAG } from './backup-operations.js';
export type { BackupVm, VmBackupStatus, VmPruneResult } from './backup-operations.js';
export { isLate, lastDueRun, BACKUP_GRACE_MS } from './backup-schedule.js';
export { parseHtpasswd, withLogin, htpasswdHash, hashMatches } from './htpasswd-file.js';
export type { BackupLoginState } from './drivers/login-driver.js';
export type { BackupRepositoryState } from './drivers/repository-driver.js';
