// The maintenance policy (aare.yaml `maintenance`, a customer environment's `productionWindow`):
// what its schema cannot check, chiefly a window that cannot exist because it would not close
// before the next month's freeze (docs/maintenance.md). The calendar itself is src/release.
import type { Findings } from './check-findings.js';
import type { Maintenance, MaintenanceWindow } from './control-repo-schema.js';
import { valueRange } from './yaml-file.js';
import type { NodePath, YamlFile } from './yaml-file.js';

const MINUTES_PER_DAY = 24 * 60;
/** The shortest release cycle: from a freeze in February to the one in March of a common year. */
const SHORTEST_CYCLE_DAYS = 28;

/**
 * An ISO duration the schema accepted (`P1W2DT3H30M`) in minutes, a day counted as 24 hours.
 * Only for bounds: the calendar adds days as calendar days in the time zone.
 */
export function durationMinutes(iso: string): number {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(iso);
  if (!m) return NaN;
  const [w, d, h, min] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number];
  return ((w * 7 + d) * 24 + h) * 60 + min;
}

/**
 * The latest a window can start after the earliest time the policy allows, in minutes: up to a
 * day to reach its start time, and with weekdays named up to six more days to reach one of them.
 */
function longestWait(w: MaintenanceWindow | undefined): number {
  if (!w) return 0;
  const restricted = w.days !== undefined && new Set(w.days).size < 7;
  return (restricted ? 7 : 1) * MINUTES_PER_DAY;
}

/**
 * The latest end, after the freeze, of the test window and of a production window, in minutes.
 * An hour of slack covers a DST switch inside the cycle.
 */
export function latestWindowEnds(m: Maintenance, production?: MaintenanceWindow) {
  const testStart = durationMinutes(m.test.afterFreeze) + longestWait(m.test.window);
  const testEnd = testStart + (m.test.window ? durationMinutes(m.test.window.duration) : 0);
  const earliestProduction = Math.max(
    durationMinutes(m.production.afterFreeze),
    testStart + durationMinutes(m.production.minimumGapAfterTest),
  );
  const win = production ?? m.production.window;
  const productionEnd = earliestProduction + longestWait(win) + (win ? durationMinutes(win.duration) : 0);
  return { testEnd: testEnd + 60, productionEnd: productionEnd + 60 };
}

const cycleMinutes = SHORTEST_CYCLE_DAYS * MINUTES_PER_DAY;

function checkWindowShape(f: Findings, y: YamlFile, at: NodePath, w: MaintenanceWindow): void {
  if (durationMinutes(w.duration) === 0)
    f.at(
      'SCHEMA',
      'a window of zero length never opens: give a duration such as PT4H',
      valueRange(y, [...at, 'duration']),
    );
  if (w.days && new Set(w.days).size !== w.days.length)
    f.at('SCHEMA', 'a weekday is listed twice', valueRange(y, [...at, 'days']));
}

const days = (minutes: number) => `${Math.ceil(minutes / MINUTES_PER_DAY)} days`;

/** aare.yaml `maintenance`: each window has a length and closes before the next freeze. */
export function checkMaintenance(f: Findings, y: YamlFile, m: Maintenance): void {
  const base: NodePath = ['maintenance'];
  if (m.test.window) checkWindowShape(f, y, [...base, 'test', 'window'], m.test.window);
  if (m.production.window) checkWindowShape(f, y, [...base, 'production', 'window'], m.production.window);
  const ends = latestWindowEnds(m);
  if (ends.testEnd > cycleMinutes)
    f.at(
      'WINDOW_IMPOSSIBLE',
      `the test window can close up to ${days(ends.testEnd)} after the freeze, after the next month's freeze (February's cycle has ${SHORTEST_CYCLE_DAYS} days)`,
      valueRange(y, [...base, 'test', m.test.window ? 'window' : 'afterFreeze']),
    );
  else if (ends.productionEnd > cycleMinutes)
    f.at(
      'WINDOW_IMPOSSIBLE',
      `the production window can close up to ${days(ends.productionEnd)} after the freeze (test, then minimumGapAfterTest, then the window), after the next month's freeze (February's cycle has ${SHORTEST_CYCLE_DAYS} days)`,
      valueRange(y, [...base, 'production', m.production.window ? 'window' : 'minimumGapAfterTest']),
    );
}

/** A customer environment's own production window: the same rules, with the provider's policy. */
export function checkProductionWindow(
  f: Findings,
  y: YamlFile,
  at: NodePath,
  env: string,
  w: MaintenanceWindow,
  m: Maintenance,
): void {
  if (env === 'test') {
    f.at(
      'SCHEMA',
      'the test environment has no production window (aare.yaml maintenance.test.window sets the test window)',
      valueRange(y, at),
    );
    return;
  }
  checkWindowShape(f, y, at, w);
  const ends = latestWindowEnds(m, w);
  if (ends.testEnd <= cycleMinutes && ends.productionEnd > cycleMinutes)
    f.at(
      'WINDOW_IMPOSSIBLE',
      `this production window can close up to ${days(ends.productionEnd)} after the freeze (aare.yaml's test window and minimumGapAfterTest, then this window), after the next month's freeze (February's cycle has ${SHORTEST_CYCLE_DAYS} days)`,
      valueRange(y, at),
    );
}
