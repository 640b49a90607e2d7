// Secrets never enter compiled output: user-data carries these tokens where a secret belongs,
// and the provider that sends the user-data fills them for the VM's own customer and environment
// (docs/security.md, "Secrets"). A token names no customer, so whatever a template writes, a VM can
// only ever receive its own secrets.

/** The tokens compile writes, by the secret they stand for. */
export const SECRET_TOKENS = {
  /** The restic repository password of the VM's customer environment. */
  backupRepositoryPassword: '@@AARE_SECRET_BACKUP_REPOSITORY_PASSWORD@@',
  /** The HTTP login password of the VM's customer on the backup server. */
  backupLoginPassword: '@@AARE_SECRET_BACKUP_LOGIN_PASSWORD@@',
} as const;

export type SecretName = keyof typeof SECRET_TOKENS;
