// The scheduled freeze (docs/maintenance.md): `aare serve` checks now and then whether this
// month's freeze time has passed without a release for the month, and then freezes. Any number
// of processes on one database may check at once: each inserts the month's claim row, and only
// the one whose insert succeeds freezes, so the month gets exactly one scheduled freeze.
import { Temporal } from 'temporal-polyfill';
import type { Maintenance } from '../model/index.js';
import { controlRepoCommit, freezeRelease } from './release-freeze.js';
import type { FreezeContext, ReleaseInfo } from './release-freeze.js';
import { freezeOf } from './maintenance-calendar.js';
import type { Diagnostic } from '../diag/index.js';

export interface ScheduleContext extends Omit<FreezeContext, 'now'> {
  /** The one clock, read at every check. */
  now: () => Date;
  /** Names this process in the claim row (host and pid). */
  claimant: string;
}

export type ScheduleOutcome =
  | { kind: 'not-due'; month: string; freezeAt: string }
  | { kind: 'released'; month: string }
  | { kind: 'claimed-elsewhere'; month: string }
  | { kind: 'refused'; month: string; diagnostics: Diagnostic[] }
  | { kind: 'frozen'; month: string; release: ReleaseInfo };

/**
 * One check: freezes when this month's freeze time has passed, no release of the month exists and
 * no process has claimed it. A control repository with uncommitted changes is reported, without a
 * claim, so that a later check freezes once it is committed. A month whose freeze time passed while
 * no server ran is frozen late, at the first check; earlier months are not made up.
 */
export async function freezeIfDue(ctx: ScheduleContext): Promise<ScheduleOutcome> {
  const m: Maintenance = ctx.maintenance();
  const now = ctx.now();
  const zoned = Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO(m.timezone);
  const yearMonth = zoned.toPlainDate().toPlainYearMonth();
  const month = yearMonth.toString();
  const freezeAt = freezeOf(m, yearMonth);
  if (Temporal.ZonedDateTime.compare(zoned, freezeAt) < 0)
    return { kind: 'not-due', month, freezeAt: freezeAt.toString({ timeZoneName: 'never' }) };
  const db = ctx.store.db;
  if (await db.selectFrom('releases').select('name').where('month', '=', month).executeTakeFirst())
    return { kind: 'released', month };
  if (
    await db.selectFrom('release_freeze_claims').select('month').where('month', '=', month).executeTakeFirst()
  )
    return { kind: 'claimed-elsewhere', month };
  const commit = await controlRepoCommit(ctx.controlRepoDir, ctx.stateDir);
  if (!commit.value) return { kind: 'refused', month, diagnostics: commit.diagnostics };
  const claimed = await db
    .insertInto('release_freeze_claims')
    .values({ month, claimed_by: ctx.claimant, claimed_at: now.toISOString() })
    .onConflict((oc) => oc.column('month').doNothing())
    .returning('month')
    .executeTakeFirst();
  if (!claimed) return { kind: 'claimed-elsewhere', month };
  const r = await freezeRelease({ ...ctx, now });
  if (!r.value) return { kind: 'refused', month, diagnostics: r.diagnostics };
  return { kind: 'frozen', month, release: r.value };
}

/**
 * Checks at once and then every `intervalMs` until stopped; `report` hears every outcome but
 * `not-due`, `released` and `claimed-elsewhere` (and a failed check, which the next one repeats).
 */
export function startFreezeSchedule(
  ctx: ScheduleContext,
  intervalMs: number,
  report: (outcome: ScheduleOutcome | { kind: 'error'; error: unknown }) => void,
): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const check = () => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        const outcome = await freezeIfDue(ctx);
        if (outcome.kind === 'frozen' || outcome.kind === 'refused') report(outcome);
      } catch (error) {
        report({ kind: 'error', error });
      }
    });
  };
  check();
  const timer = setInterval(check, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
