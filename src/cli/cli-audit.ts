// Commands that change something record it in the audit log (docs/maintenance.md): who, when,
// what and the result, also when it failed or was refused.
import { DiagnosticsError } from '../diag/index.js';
import type { AppContext } from '../app/index.js';

const REFUSALS = new Set<string>(['OUTSIDE_WINDOW', 'RELEASE_NOT_ACCEPTED']);

/**
 * Runs a command's work and records `action` with its result: `ok` for exit 0, `failed` with the
 * exit code or the diagnostics' codes otherwise. A failure to record never hides the command's
 * own error.
 */
export async function audited(
  app: AppContext,
  detail: { customer?: string; env?: string; planfile?: string },
  work: () => Promise<number>,
  action = 'apply',
): Promise<number> {
  const record = (result: 'ok' | 'failed' | 'refused', extra: Record<string, unknown>) =>
    app.audit({ action, ...scopeOf(app, detail.customer), detail: { ...detail, ...extra }, result });
  let code: number;
  try {
    code = await work();
  } catch (err) {
    const codes = err instanceof DiagnosticsError ? err.diagnostics.map((d) => d.code) : ['INTERNAL'];
    // a refusal by policy (a closed window, no acceptance) is not a failure of the command
    const refused = codes.length > 0 && codes.every((c) => REFUSALS.has(c));
    await record(refused ? 'refused' : 'failed', { errors: codes }).catch((e: unknown) =>
      process.stderr.write(
        `aare: could not record this in the audit log: ${e instanceof Error ? e.message : String(e)}\n`,
      ),
    );
    throw err;
  }
  await record(code === 0 ? 'ok' : 'failed', { exitCode: code });
  return code;
}

/** `reseller/customer` when the control repository loads and knows the customer; else the name alone. */
export function scopeOf(app: AppContext, customer: string | undefined): { scope: string; customer?: string } {
  if (customer === undefined) return { scope: '' };
  const loaded = app.loadControlRepo().value.customers.get(customer);
  return { scope: loaded ? `${loaded.reseller}/${customer}` : customer, customer };
}
