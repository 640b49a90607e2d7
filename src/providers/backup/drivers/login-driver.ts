// A customer's login on the backup server: its line in the server's htpasswd file.
import type { EngineDriver } from '../../../engine/index.js';
import { diffFields } from '../../field-diff.js';
import { ProviderError } from '../../provider-error.js';
import type { ProviderSecrets } from '../../provider-secrets.js';
import { parseAddress } from '../backup-names.js';
import { PASSWORD_CHANGED, PASSWORD_GENERATED } from '../backup-mapping.js';
import type { BackupLoginDesired } from '../backup-mapping.js';
import {
  hashMatches,
  htpasswdHash,
  parseHtpasswd,
  readHtpasswd,
  withLogin,
  writeHtpasswd,
} from '../htpasswd-file.js';

export interface BackupLoginState {
  customer: string;
  htpasswd: string;
  /** PASSWORD_GENERATED when the line's hash is of Aare's password, else PASSWORD_CHANGED. */
  password: string;
  /** Aare wrote the line (it follows Aare's marker); a line that was there before is used, never changed. */
  owned: boolean;
}

/**
 * Lines Aare did not write are never changed or removed: an unmarked line of the customer with
 * Aare's password (installed from `aare backup server-config`) is adopted as not owned; one with
 * another password is BACKUP_CONFLICT. Writes in one process are serialised (read, change one
 * line, atomic rename), and the apply lock keeps two applies from writing at once.
 */
export function loginDriver(
  secrets: () => Promise<ProviderSecrets>,
  endpoint: string,
  /** The configured htpasswd file, where a crashed create's line is looked for. */
  htpasswd: string | undefined,
): EngineDriver<BackupLoginDesired, BackupLoginState> {
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const next = queue.then(f, f);
    queue = next.catch(() => undefined);
    return next;
  };

  const observe = async (customer: string, file: string): Promise<BackupLoginState | undefined> => {
    const text = await readFile(file, customer);
    const line = parseHtpasswd(text ?? '').find((l) => l.user === customer);
    if (!line) return undefined;
    const password = (await secrets()).backupLoginPassword(customer);
    return {
      customer,
      htpasswd: file,
      password: hashMatches(line.hash, password) ? PASSWORD_GENERATED : PASSWORD_CHANGED,
      owned: line.owned,
    };
  };

  const write = (customer: string, file: string, hash: string | undefined) =>
    serial(async () => {
      const text = (await readFile(file, customer)) ?? '';
      const line = parseHtpasswd(text).find((l) => l.user === customer);
      if (line && !line.owned) return; // someone else's line: never touched
      try {
        await writeHtpasswd(file, withLogin(text, customer, hash));
      } catch (err) {
        throw fileError(`cannot write the htpasswd file ${file}`, customer, err);
      }
    });

  const ensure = async (desired: BackupLoginDesired): Promise<BackupLoginState> => {
    const seen = await observe(desired.customer, desired.htpasswd);
    if (seen && !seen.owned) {
      if (seen.password === PASSWORD_GENERATED) return seen;
      throw new ProviderError({
        code: 'BACKUP_CONFLICT',
        message: `the htpasswd file ${desired.htpasswd} has a line for ${desired.customer} that Aare did not write, with another password; remove it, or install the line \`aare backup server-config\` prints`,
      });
    }
    if (!seen || seen.password !== PASSWORD_GENERATED) {
      const password = (await secrets()).backupLoginPassword(desired.customer);
      await write(desired.customer, desired.htpasswd, htpasswdHash(password));
    }
    return {
      customer: desired.customer,
      htpasswd: desired.htpasswd,
      password: PASSWORD_GENERATED,
      owned: true,
    };
  };

  return {
    kind: 'backup.login',
    endpoint,
    read: ({ prior }) => (prior ? observe(prior.customer, prior.htpasswd) : Promise.resolve(undefined)),
    // a crashed create: the line it wrote carries the marker (an unmarked one is not adopted as owned)
    async findByAddress({ address }) {
      const customer = parseAddress(address)?.customer;
      if (!htpasswd || !customer) return undefined;
      const seen = await observe(customer, htpasswd);
      return seen?.owned ? seen : undefined;
    },
    create: ({ desired }) => ensure(desired),
    update: ({ desired }) => ensure(desired),
    async delete({ prior }) {
      if (!prior.owned) return;
      await write(prior.customer, prior.htpasswd, undefined);
    },
    diff: (desired, actual) =>
      diffFields(
        { ...desired },
        { ...actual },
        {
          htpasswd: { replace: 'the login moves to another htpasswd file' },
          password: {},
        },
      ),
  };
}

async function readFile(file: string, customer: string): Promise<string | undefined> {
  try {
    return await readHtpasswd(file);
  } catch (err) {
    throw fileError(`cannot read the htpasswd file ${file}`, customer, err);
  }
}

function fileError(message: string, customer: string, err: unknown): ProviderError {
  const code = (err as { code?: unknown }).code;
  return new ProviderError({
    code: 'BACKUP_CONFIG',
    message: `${message} (login of ${customer}): ${typeof code === 'string' ? code : String(err)}; check endpoints.backup.htpasswd`,
    cause: err,
  });
}
