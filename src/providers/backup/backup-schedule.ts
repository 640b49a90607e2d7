// When a VM's backup is late (docs/backup.md): its job runs daily at `schedule` (HH:MM in the
// provider's maintenance time zone). Once the grace period after a scheduled time has passed,
// the VM must have a snapshot from the 24 hours before the end of that grace period; otherwise it
// is late. A VM without any snapshot is late.

/** How long after the scheduled time a backup may still be running or retried. */
export const BACKUP_GRACE_MS = 2 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The offset of `timeZone` from UTC at `at`, in milliseconds (east positive). */
function offsetMs(timeZone: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(at));
  const n = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return asUtc - (at - (at % 1000));
}

/** The instant of local time `hh:mm` on the local calendar day of `at` (DST: the first match). */
function localTimeOn(at: number, hhmm: string, timeZone: string): number {
  const local = new Date(at + offsetMs(timeZone, at));
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const wall = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), h, m);
  // two passes settle the offset across a DST change on that day
  let t = wall - offsetMs(timeZone, wall);
  t = wall - offsetMs(timeZone, t);
  return t;
}

/** The latest scheduled run whose grace period has ended by `now`. */
export function lastDueRun(schedule: string, timeZone: string, now: Date, graceMs = BACKUP_GRACE_MS): Date {
  const limit = now.getTime() - graceMs;
  for (let back = 0; back <= 3; back++) {
    const t = localTimeOn(limit - back * DAY_MS, schedule, timeZone);
    if (t <= limit) return new Date(t);
  }
  return new Date(localTimeOn(limit - 4 * DAY_MS, schedule, timeZone));
}

/**
 * Whether a VM whose newest snapshot is `last` (undefined: none) is late at `now`: no snapshot in
 * the 24 hours before the end of the grace period of the latest scheduled run.
 */
export function isLate(
  last: Date | undefined,
  schedule: string,
  timeZone: string,
  now: Date,
  graceMs = BACKUP_GRACE_MS,
): boolean {
  if (!last) return true;
  const due = lastDueRun(schedule, timeZone, now, graceMs).getTime();
  return last.getTime() < due + graceMs - DAY_MS;
}
