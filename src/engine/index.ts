/**
 * The engine: turns desired resources into a plan (refresh + diff) and executes a stored plan
 * (ordered, concurrent per endpoint, journaled so a killed apply is finished by the next one),
 * with state in the store. It owns the driver contract and talks to real systems only through
 * drivers it is given; it knows no provider by name and imports only diag and store. It never
 * writes to stdout: it reports through typed, numbered events that the CLI (or the server) renders.
 */
export { makePlan } from './planner.js';
export type { PlanRequest } from './planner.js';
export { applyPlan, operationsOf, recoverIntents, recoverInterrupted, CREATE_GRACE_MS } from './applier.js';
export type { ApplyResult, RecoveryOutcome } from './applier.js';
export { acquireApplyLock, LOCK_STALE_MS } from './apply-lock.js';
export type { HeldLock } from './apply-lock.js';
export { EngineState } from './engine-state.js';
export type { ResourceRecord, IntentRecord } from './engine-state.js';
export type { EngineContext } from './engine-context.js';
export type {
  ResourceDriver,
  DriverContext,
  DriverDiff,
  AttributeChange,
  EngineDriver,
  DriverSet,
} from './driver-types.js';
export { ref, isRef, refsIn, resolveRefs, dependenciesOf, flattenAttrs } from './desired-resource.js';
export type { DesiredResource, Ref } from './desired-resource.js';
export { topoOrder, walk } from './resource-graph.js';
export type { GraphNode, NodeOutcome, WalkOptions } from './resource-graph.js';
export {
  actionSymbols,
  countActions,
  hasChanges,
  inFilter,
  serialKeyOf,
  eventEmitter,
} from './plan-types.js';
export type {
  Action,
  AttrChange,
  Change,
  Plan,
  PlanFilter,
  EngineEvent,
  EngineEventInput,
  EventSink,
  OpKind,
} from './plan-types.js';
export { readPlanFile, writePlanFile } from './plan-file.js';
