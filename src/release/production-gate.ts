// Outside its window no change reaches a running production system (docs/maintenance.md): the
// production window a customer environment has now or next, and the changes of a plan that an
// apply may not make outside it. Creating what does not exist yet is allowed at any time, and so
// is any change to a test environment.
import { Temporal } from 'temporal-polyfill';
import { error } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';
import type { ControlRepo, Maintenance, MaintenanceWindow } from '../model/index.js';
import { customerProductionWindow, iso, releaseCycle } from './maintenance-calendar.js';
import type { Interval, ReleaseCycle } from './maintenance-calendar.js';

/** The release cycle `t` lies in: the one of the last freeze at or before it. */
export function cycleAt(m: Maintenance, t: Temporal.Instant): ReleaseCycle {
  const month = t.toZonedDateTimeISO(m.timezone).toPlainDate().toPlainYearMonth();
  const cycle = releaseCycle(m, month);
  return Temporal.Instant.compare(t, cycle.freeze.toInstant()) < 0
    ? releaseCycle(m, month.subtract({ months: 1 }))
    : cycle;
}

/**
 * The production window (the environment's own, or the policy's) open at `t`, or the next one to
 * open. A window opens once per release cycle, so the next one may be next month's.
 */
export function productionWindowAt(
  m: Maintenance,
  own: MaintenanceWindow | undefined,
  t: Temporal.Instant,
): { open?: Interval; next?: Interval } {
  let cycle = cycleAt(m, t);
  for (let i = 0; i < 2; i++) {
    const w = customerProductionWindow(m, cycle, own);
    if (Temporal.Instant.compare(t, w.start.toInstant()) < 0) return { next: w };
    if (Temporal.Instant.compare(t, w.end.toInstant()) < 0) return { open: w };
    cycle = releaseCycle(m, Temporal.PlainYearMonth.from(cycle.month).add({ months: 1 }));
  }
  // the next cycle's window starts after its freeze, which is after `t`
  throw new Error(`no production window after ${t.toString()}`);
}

/** The first instant at or after `t` inside the production window. */
export function productionOpenFrom(
  m: Maintenance,
  own: MaintenanceWindow | undefined,
  t: Temporal.Instant,
): Temporal.ZonedDateTime {
  const w = productionWindowAt(m, own, t);
  return w.open ? t.toZonedDateTimeISO(m.timezone) : w.next!.start;
}

/** The part of an engine change the gate reads. */
export interface GatedChange {
  address: string;
  /** `customer/environment/...`, `customer`, or '' (provider-wide). */
  scope: string;
  action: string;
}

/** Production changes of one customer environment that its window, closed now, does not allow. */
export interface WindowRefusal {
  customer: string;
  environment: string;
  addresses: string[];
  /** The window that opens next: `{ start, end }` local with offset. */
  next: { start: string; end: string };
}

const CHANGING = new Set(['update', 'replace', 'delete']);

/**
 * The production environments whose window is closed at `now` and that `changes` would update,
 * replace or delete. A customer-wide change (scope `customer`) touches each of the customer's
 * production environments; a provider-wide one (scope '') has no customer window and passes.
 */
export function windowRefusals(
  m: Maintenance,
  controlRepo: ControlRepo,
  changes: readonly GatedChange[],
  now: Date,
): WindowRefusal[] {
  const t = Temporal.Instant.fromEpochMilliseconds(now.getTime());
  const byEnv = new Map<string, { customer: string; environment: string; addresses: string[] }>();
  for (const c of changes) {
    if (!CHANGING.has(c.action) || c.scope === '') continue;
    const [customer, env] = c.scope.split('/') as [string, string | undefined];
    const known = controlRepo.customers.get(customer);
    const envs =
      env !== undefined
        ? [env]
        : known
          ? [...known.environments.keys()].filter((e) => e !== 'test')
          : ['production'];
    for (const environment of envs) {
      if (environment === 'test') continue;
      const key = `${customer}/${environment}`;
      const entry = byEnv.get(key) ?? { customer, environment, addresses: [] };
      entry.addresses.push(c.address);
      byEnv.set(key, entry);
    }
  }
  const out: WindowRefusal[] = [];
  for (const e of [...byEnv.values()].sort((a, b) =>
    `${a.customer}/${a.environment}`.localeCompare(`${b.customer}/${b.environment}`),
  )) {
    const own = controlRepo.customers.get(e.customer)?.environments.get(e.environment)?.productionWindow;
    const w = productionWindowAt(m, own, t);
    if (w.open) continue;
    out.push({ ...e, next: { start: iso(w.next!.start), end: iso(w.next!.end) } });
  }
  return out;
}

/** One OUTSIDE_WINDOW diagnostic per refused environment, naming its next window. */
export function windowRefusalDiagnostics(refusals: readonly WindowRefusal[]): Diagnostic[] {
  return refusals.map((r) => {
    const shown = r.addresses.slice(0, 3).join(', ');
    const more = r.addresses.length > 3 ? ` and ${r.addresses.length - 3} more` : '';
    return error(
      'OUTSIDE_WINDOW',
      `${r.customer}/${r.environment} is outside its production window: the plan would change ${shown}${more}; the next window is ${r.next.start} to ${r.next.end} (or pass --emergency --reason TEXT)`,
      { address: `${r.customer}/${r.environment}` },
    );
  });
}
