/**
 * Releases and maintenance windows (docs/maintenance.md): the calendar of freezes and test and
 * production windows in the policy's time zone, the monthly freeze (a snapshot of every package
 * repository plus the control repository's commit) and the append-only, hash-chained audit log.
 * It never reads the real clock (callers pass `now`, from AARE_NOW or the time) and never prints.
 */
export {
  customerProductionWindow,
  customerWindows,
  freezeOf,
  calendarRange,
  iso,
  maintenanceCalendar,
  monthOf,
  parseWhen,
  releaseCycle,
  windowFrom,
} from './maintenance-calendar.js';
export type {
  CalendarEntry,
  CalendarKind,
  CalendarRequest,
  CustomerWindow,
  Interval,
  ReleaseCycle,
} from './maintenance-calendar.js';
export { appendAudit, entryHash, listAudit, verifyAudit } from './audit-log.js';
export type { AuditEntry, AuditInput, AuditResult, AuditVerification } from './audit-log.js';
export { controlRepoCommit, freezeRelease, listReleases, snapshotNameOf } from './release-freeze.js';
export type { FreezeContext, ReleaseInfo } from './release-freeze.js';
export { checkoutCommit } from './release-checkout.js';
export type { CheckedOutTree } from './release-checkout.js';
export { freezeIfDue, startFreezeSchedule } from './freeze-schedule.js';
export type { ScheduleContext, ScheduleOutcome } from './freeze-schedule.js';
export {
  cycleAt,
  productionOpenFrom,
  productionWindowAt,
  windowRefusalDiagnostics,
  windowRefusals,
} from './production-gate.js';
export type { GatedChange, WindowRefusal } from './production-gate.js';
export { productionEnvironments, releaseDiff, releaseNamed } from './release-diff.js';
export type { ReleaseDiff, RepositoryChange, RolloutContext } from './release-diff.js';
export { parameterChanges } from './parameter-diff.js';
export type { ControlRepoTree, ParameterChange, VmParameterChanges } from './parameter-diff.js';
export { controlRepoHistory, headCommit } from './control-repo-history.js';
export type { ControlRepoHistory } from './control-repo-history.js';
export { acceptanceOf, decideRelease } from './release-acceptance.js';
export type { Acceptance, Decision, DecisionInfo } from './release-acceptance.js';
export { executeRollout, planRollout } from './release-rollout.js';
export type { InfrastructureRollout, RolloutPlan, RolloutRequest, RolloutStep } from './release-rollout.js';
export { releaseStatus } from './release-status.js';
export type { ReleaseStatus } from './release-status.js';
