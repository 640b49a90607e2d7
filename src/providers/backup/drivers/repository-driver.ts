// A customer environment's restic repository on the backup server.
import type { EngineDriver } from '../../../engine/index.js';
import { ProviderError } from '../../../diag/index.js';
import { diffFields } from '../../field-diff.js';
import type { BackupRepositoryDesired } from '../backup-mapping.js';
import { parseAddress, repositoryHttpUrl } from '../backup-names.js';
import type { BackupServer } from '../backup-server.js';

export interface BackupRepositoryState {
  customer: string;
  environment: string;
  url: string;
  /** restic's repository id (`restic cat config`). */
  id: string;
}

export interface RepositoryDriverOptions {
  server: BackupServer;
  /** Delete removes the repository's data; otherwise delete only forgets it (`aare destroy --delete-backups`). */
  deleteBackups: boolean;
  endpoint: string;
}

/**
 * Refresh asks the server whether the repository's config exists (one GET, no key derivation),
 * so a repository deleted by hand is drift. Create adopts an existing repository (made by a crashed
 * apply or by hand) when it opens with Aare's password and runs `restic init` otherwise, so a
 * retry never makes a second one. Delete keeps the data unless `deleteBackups`: backups outlive
 * the VMs they are of.
 */
export function repositoryDriver(
  opts: RepositoryDriverOptions,
): EngineDriver<BackupRepositoryDesired, BackupRepositoryState> {
  const { server } = opts;
  const access = (customer: string, environment: string) => server.repository(customer, environment);
  const adopt = async (
    d: BackupRepositoryDesired,
    signal: AbortSignal,
  ): Promise<BackupRepositoryState | undefined> => {
    const a = await access(d.customer, d.environment);
    if (!(await server.rest.exists(d.url, a.login, signal))) return undefined;
    try {
      return { ...d, id: await (await server.restic()).repositoryId(a.target, signal) };
    } catch (err) {
      // it exists but does not open with this state's password: someone else's, never taken over
      if (!(err instanceof ProviderError) || err.code !== 'BACKUP_FAILED') throw err;
      throw new ProviderError({
        code: 'BACKUP_CONFLICT',
        status: 409,
        message:
          `a restic repository already exists at ${d.url} and does not open with this state's password ` +
          '(another Aare state, or someone else, made it); Aare never takes over or deletes it: move it ' +
          'away on the backup server, or run Aare with the state that made it (the local lab starts ' +
          'empty again after `aare lab down backup --purge && aare lab up backup`)',
        systemMessage: err.systemMessage ?? err.message,
        request: 'restic cat config',
      });
    }
  };
  const desiredOf = (address: string): BackupRepositoryDesired | undefined => {
    const p = parseAddress(address);
    if (p?.kind !== 'repository') return undefined;
    return {
      customer: p.customer,
      environment: p.environment,
      url: repositoryHttpUrl(server.serverUrl, p.customer, p.environment),
    };
  };
  return {
    kind: 'backup.repository',
    endpoint: opts.endpoint,
    async read({ prior, signal }) {
      if (!prior) return undefined;
      const a = await access(prior.customer, prior.environment);
      return (await server.rest.exists(prior.url, a.login, signal)) ? prior : undefined;
    },
    async findByAddress({ address, signal }) {
      const d = desiredOf(address);
      try {
        return d ? await adopt(d, signal) : undefined;
      } catch (err) {
        // someone else's repository at our address: our create did not make it, so an open intent
        // is dropped (the next create reports the conflict again)
        if (err instanceof ProviderError && err.code === 'BACKUP_CONFLICT') return undefined;
        throw err;
      }
    },
    async create({ desired, signal }) {
      const existing = await adopt(desired, signal);
      if (existing) return existing;
      const a = await access(desired.customer, desired.environment);
      const restic = await server.restic();
      await restic.init(a.target, signal);
      return { ...desired, id: await restic.repositoryId(a.target, signal) };
    },
    async delete({ prior, signal }) {
      if (!opts.deleteBackups) return;
      const a = await access(prior.customer, prior.environment);
      await server.rest.remove(prior.url, a.login, signal);
    },
    diff: (desired, actual) =>
      diffFields(
        { ...desired },
        { ...actual },
        {
          url: { replace: 'a repository cannot move to another server or path' },
        },
      ),
  };
}
