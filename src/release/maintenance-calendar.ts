// The maintenance calendar: when each month's release is frozen, when it may go to test, and when
// to each customer's production (docs/maintenance.md). All arithmetic is done in the policy's time
// zone by Temporal: days are calendar days (a freeze at 00:00 stays at 00:00 across a DST switch),
// hours are real hours (a four-hour window over a switch ends at another wall-clock time).
import { Temporal } from 'temporal-polyfill';
import type { ControlRepo, Maintenance, MaintenanceWindow, Weekday } from '../model/index.js';
import { weekdays } from '../model/index.js';
import { DiagnosticsError, error } from '../diag/index.js';

export type CalendarKind = 'freeze' | 'test' | 'production';

/** One entry of the calendar, as `aare window list --json` prints it: ISO times with offsets. */
export interface CalendarEntry {
  kind: CalendarKind;
  /** Production only: the customer (and its environment) whose own window this is. */
  customer?: string;
  environment?: string;
  /** A freeze is an instant: start and end are equal. */
  start: string;
  end: string;
}

/** A production environment with its own window; the others follow the policy's default. */
export interface CustomerWindow {
  customer: string;
  environment: string;
  window?: MaintenanceWindow;
}

/** One release cycle: from a month's freeze to the next month's. */
export interface ReleaseCycle {
  /** The release's name: the month of the freeze in the policy's time zone, `2027-03`. */
  month: string;
  freeze: Temporal.ZonedDateTime;
  nextFreeze: Temporal.ZonedDateTime;
  test: Interval;
  /** The policy's default production window (the one for customers without their own). */
  production: Interval;
}

export interface Interval {
  start: Temporal.ZonedDateTime;
  end: Temporal.ZonedDateTime;
}

// A wall-clock time that does not exist (skipped at a DST switch) moves forward by the gap, and an
// ambiguous one takes the earlier instant: Temporal's 'compatible', as cron and calendars do.
const DISAMBIGUATION = 'compatible';

/** The instant of `month`'s freeze. */
export function freezeOf(m: Maintenance, month: Temporal.PlainYearMonth): Temporal.ZonedDateTime {
  return localTime(m, month.toPlainDate({ day: m.freeze.dayOfMonth }), m.freeze.time);
}

/** A date and an HH:MM in the policy's time zone, with the disambiguation above. */
function localTime(m: Maintenance, date: Temporal.PlainDate, hhmm: string): Temporal.ZonedDateTime {
  const t = Temporal.PlainTime.from(hhmm);
  return Temporal.ZonedDateTime.from(
    {
      timeZone: m.timezone,
      year: date.year,
      month: date.month,
      day: date.day,
      hour: t.hour,
      minute: t.minute,
    },
    { disambiguation: DISAMBIGUATION },
  );
}

/**
 * The window's opening on or after `earliest`: the first allowed weekday whose start time is not
 * before `earliest`; it lasts the window's duration. Without a window: from `earliest` to `until`.
 */
export function windowFrom(
  m: Maintenance,
  w: MaintenanceWindow | undefined,
  earliest: Temporal.ZonedDateTime,
  until: Temporal.ZonedDateTime,
): Interval {
  if (!w) return { start: earliest, end: until };
  const allowed = new Set<Weekday>(w.days ?? weekdays);
  let date = earliest.toPlainDate();
  // at most a week to reach an allowed weekday, plus the day whose start time has passed
  for (let i = 0; i < 8; i++, date = date.add({ days: 1 })) {
    const start = localTime(m, date, w.start);
    if (!allowed.has(weekdays[start.dayOfWeek - 1]!)) continue;
    if (Temporal.ZonedDateTime.compare(start, earliest) < 0) continue;
    return { start, end: start.add(Temporal.Duration.from(w.duration)) };
  }
  throw new Error(`no opening of a window on ${[...allowed].join(',')} within 8 days`);
}

const later = (a: Temporal.ZonedDateTime, b: Temporal.ZonedDateTime) =>
  Temporal.ZonedDateTime.compare(a, b) >= 0 ? a : b;

/** The release cycle whose freeze falls in `month`. */
export function releaseCycle(m: Maintenance, month: Temporal.PlainYearMonth): ReleaseCycle {
  const freeze = freezeOf(m, month);
  const nextFreeze = freezeOf(m, month.add({ months: 1 }));
  const test = windowFrom(
    m,
    m.test.window,
    freeze.add(Temporal.Duration.from(m.test.afterFreeze)),
    nextFreeze,
  );
  const production = productionWindow(m, freeze, test, nextFreeze, m.production.window);
  return { month: month.toString(), freeze, nextFreeze, test, production };
}

/**
 * Production opens after both the freeze's `afterFreeze` and the test window's start plus
 * `minimumGapAfterTest` (a release must have been on test that long), then in its window.
 */
function productionWindow(
  m: Maintenance,
  freeze: Temporal.ZonedDateTime,
  test: Interval,
  nextFreeze: Temporal.ZonedDateTime,
  w: MaintenanceWindow | undefined,
): Interval {
  const earliest = later(
    freeze.add(Temporal.Duration.from(m.production.afterFreeze)),
    test.start.add(Temporal.Duration.from(m.production.minimumGapAfterTest)),
  );
  return windowFrom(m, w, earliest, nextFreeze);
}

/** A customer environment's production window in `cycle` (its own, or the policy's default). */
export function customerProductionWindow(
  m: Maintenance,
  cycle: ReleaseCycle,
  own?: MaintenanceWindow,
): Interval {
  return own ? productionWindow(m, cycle.freeze, cycle.test, cycle.nextFreeze, own) : cycle.production;
}

/** The production environments of the control repository (every environment but test) and their own windows. */
export function customerWindows(controlRepo: ControlRepo, customer?: string): CustomerWindow[] {
  const out: CustomerWindow[] = [];
  for (const c of controlRepo.customers.values()) {
    if (customer !== undefined && c.name !== customer) continue;
    for (const e of c.environments.values()) {
      if (e.name === 'test') continue;
      out.push({
        customer: c.name,
        environment: e.name,
        ...(e.productionWindow ? { window: e.productionWindow } : {}),
      });
    }
  }
  return out;
}

export interface CalendarRequest {
  /** Entries that end after this instant (a freeze: that happens at or after it). */
  from: Temporal.Instant;
  /** Entries that start before this instant. */
  to: Temporal.Instant;
  /**
   * Production environments to list. `all: false` lists the policy's default window plus only
   * the environments with their own; `all: true` lists each environment given (for one customer).
   */
  customers: readonly CustomerWindow[];
  all: boolean;
}

/** The calendar between two instants, ordered by start (then freeze, test, production; then customer). */
export function maintenanceCalendar(m: Maintenance, req: CalendarRequest): CalendarEntry[] {
  const entries: { entry: CalendarEntry; start: Temporal.ZonedDateTime; order: number }[] = [];
  // windows are half-open [start, end); a freeze is the instant start = end
  const overlaps = (i: Interval) =>
    Temporal.Instant.compare(i.start.toInstant(), req.to) < 0 &&
    (Temporal.Instant.compare(i.end.toInstant(), req.from) > 0 ||
      (i.start.equals(i.end) && Temporal.Instant.compare(i.start.toInstant(), req.from) >= 0));
  const push = (kind: CalendarKind, i: Interval, who?: CustomerWindow) => {
    if (!overlaps(i)) return;
    entries.push({
      entry: {
        kind,
        ...(who ? { customer: who.customer, environment: who.environment } : {}),
        start: iso(i.start),
        end: iso(i.end),
      },
      start: i.start,
      order: ['freeze', 'test', 'production'].indexOf(kind),
    });
  };
  // a cycle's windows lie within its month and the next: start a month before `from`
  let month = req.from
    .toZonedDateTimeISO(m.timezone)
    .toPlainDate()
    .toPlainYearMonth()
    .subtract({ months: 1 });
  for (;;) {
    const cycle = releaseCycle(m, month);
    if (Temporal.Instant.compare(cycle.freeze.toInstant(), req.to) >= 0) break;
    push('freeze', { start: cycle.freeze, end: cycle.freeze });
    push('test', cycle.test);
    if (!req.all) push('production', cycle.production);
    for (const c of req.customers) {
      if (!req.all && !c.window) continue;
      push('production', customerProductionWindow(m, cycle, c.window), c);
    }
    month = month.add({ months: 1 });
  }
  return entries
    .sort(
      (a, b) =>
        Temporal.ZonedDateTime.compare(a.start, b.start) ||
        a.order - b.order ||
        (a.entry.customer ?? '').localeCompare(b.entry.customer ?? '') ||
        (a.entry.environment ?? '').localeCompare(b.entry.environment ?? ''),
    )
    .map((e) => e.entry);
}

/** `2027-03-28T01:30:00+01:00`: the local time with its offset, without the zone's name. */
export function iso(t: Temporal.ZonedDateTime): string {
  return t.toString({ timeZoneName: 'never', fractionalSecondDigits: 0 });
}

/** The month (`2027-03`) of an instant in the policy's time zone: how releases are named. */
export function monthOf(m: Maintenance, t: Temporal.Instant): string {
  return t.toZonedDateTimeISO(m.timezone).toPlainDate().toPlainYearMonth().toString();
}

/**
 * The instants `--from DATE --to DATE` mean: a date is a day in the policy's time zone (`--from`
 * its start, `--to` through its end), an ISO time with an offset is that instant. Without them:
 * from the start of the current month for three months.
 */
export function calendarRange(
  m: Maintenance,
  now: Date,
  given: { from?: string; to?: string },
): { from: Temporal.Instant; to: Temporal.Instant } {
  const today = Temporal.Instant.fromEpochMilliseconds(now.getTime())
    .toZonedDateTimeISO(m.timezone)
    .toPlainDate();
  const from =
    given.from !== undefined
      ? parseWhen(m, given.from, '--from', 0)
      : localTime(m, today.with({ day: 1 }), '00:00').toInstant();
  const to =
    given.to !== undefined
      ? parseWhen(m, given.to, '--to', 1)
      : from.toZonedDateTimeISO(m.timezone).toPlainDate().with({ day: 1 }).add({ months: 3 });
  const toInstant = to instanceof Temporal.Instant ? to : localTime(m, to, '00:00').toInstant();
  if (Temporal.Instant.compare(from, toInstant) >= 0)
    throw new DiagnosticsError([error('USAGE', `--to must be later than --from`, { field: '--to' })]);
  return { from, to: toInstant };
}

/** A day (YYYY-MM-DD, its start in the policy's time zone, plus `addDays`) or an ISO time with an offset. */
export function parseWhen(m: Maintenance, text: string, flag: string, addDays: number): Temporal.Instant {
  try {
    if (/^\d{4}-\d{2}-\d{2}$/.test(text))
      return localTime(
        m,
        Temporal.PlainDate.from(text, { overflow: 'reject' }).add({ days: addDays }),
        '00:00',
      ).toInstant();
    return Temporal.Instant.from(text);
  } catch {
    throw new DiagnosticsError([
      error(
        'USAGE',
        `${flag} ${text}: expected a date (2027-03-01) or an ISO time with an offset (2027-03-01T08:00:00+01:00)`,
        {
          field: flag,
        },
      ),
    ]);
  }
}
