// What `aare token` and `aare user` share (docs/access.md): the access context of the local
// state (the provider's full trust), checking a scope against the control repository, and the
// audit scope of a tree node.
import { Temporal } from 'temporal-polyfill';
import { DiagnosticsError, error } from '../../diag/index.js';
import type { AccessContext, Scope } from '../../access/index.js';
import type { AppContext } from '../../app/index.js';
import { UsageError } from '../cli-run.js';

export async function accessContext(app: AppContext): Promise<AccessContext> {
  return { store: await app.store(), actor: app.config.actor, now: app.config.now() };
}

/** The scope, which must name a reseller and customer of the control repository. */
export async function knownScope(app: AppContext, path: string): Promise<Scope> {
  const { parseScope } = await import('../../access/index.js');
  const scope = parseScope(path, '--scope');
  if ('code' in scope) throw new DiagnosticsError([scope]);
  const repo = app.controlRepo();
  if (scope.reseller !== undefined && !repo.resellers.has(scope.reseller))
    throw new DiagnosticsError([
      error('NOT_FOUND', `no reseller '${scope.reseller}' in the control repository`, { field: '--scope' }),
    ]);
  if (scope.customer !== undefined && repo.customers.get(scope.customer)?.reseller !== scope.reseller)
    throw new DiagnosticsError([
      error(
        'NOT_FOUND',
        `no customer '${scope.customer}' of reseller '${scope.reseller}' in the control repository`,
        {
          field: '--scope',
        },
      ),
    ]);
  return scope;
}

/** The audit log's scope of a tree node: `reseller/customer`, `reseller` or '' (provider-wide). */
export function auditScope(scope: Scope): string {
  return scope.customer !== undefined ? `${scope.reseller}/${scope.customer}` : (scope.reseller ?? '');
}

/** `P30D`, `PT12H`, or the short `30d`, `12h`, `90m`. */
export function parseDuration(option: string, value: string): Temporal.Duration {
  const short = /^(\d{1,5})([dhm])$/.exec(value);
  try {
    const d = short
      ? Temporal.Duration.from({
          [{ d: 'days', h: 'hours', m: 'minutes' }[short[2] as 'd']]: Number(short[1]),
        })
      : Temporal.Duration.from(value);
    if (d.sign <= 0) throw new RangeError('not positive');
    return d;
  } catch {
    throw new UsageError(`${option} must be a duration like 30d, 12h or P90D, got '${value}'`);
  }
}
