// Addresses of the backup provider's resources and the restic repository URLs they stand for
// (docs/backup.md): one login per customer, one repository per customer environment, at
// `<server>/<customer>/<environment>/`, which the server's private-repos mode lets only the
// customer's own login reach.
import { backupRepositoryUrl } from '../../compile/index.js';

export const addressOf = {
  /** `backup.login.muster-ag` */
  login: (customer: string) => `backup.login.${customer}`,
  /** `backup.repository.muster-ag/test` */
  repository: (customer: string, environment: string) => `backup.repository.${customer}/${environment}`,
};

/** The customer (and environment) an address names, or undefined for another address. */
export function parseAddress(
  address: string,
):
  | { kind: 'login'; customer: string }
  | { kind: 'repository'; customer: string; environment: string }
  | undefined {
  if (address.startsWith('backup.login.')) return { kind: 'login', customer: address.slice(13) };
  const m = /^backup\.repository\.([^/]+)\/([^/]+)$/.exec(address);
  return m ? { kind: 'repository', customer: m[1]!, environment: m[2]! } : undefined;
}

/**
 * The HTTP URL of a customer environment's repository on a server (`url` of aare.yaml, any path
 * it has kept), without credentials: safe to show and to record.
 */
export function repositoryHttpUrl(serverUrl: string, customer: string, environment: string): string {
  const u = new URL(serverUrl);
  u.username = '';
  u.password = '';
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/${customer}/${environment}/`;
  return u.toString();
}

/**
 * restic's repository string, `rest:<scheme>://<customer>:<password>@<host:port>/<customer>/<environment>/`:
 * a secret. It is only ever put into a child process's environment (RESTIC_REPOSITORY).
 */
export function resticRepository(
  serverUrl: string,
  customer: string,
  environment: string,
  loginPassword: string,
): string {
  // the one definition the VMs' backup job uses too, so both always name the same repository
  return backupRepositoryUrl(serverUrl, customer, environment, loginPassword);
}
