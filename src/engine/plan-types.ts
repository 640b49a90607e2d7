import type { Diagnostic } from '../diag/index.js';

/** What apply does to one resource. `noop` changes are kept in the plan so it can show them. */
export type Action = 'create' | 'update' | 'replace' | 'delete' | 'noop';

/** The symbols every renderer (CLI table, NDJSON, web) shows for an action. */
export const actionSymbols: Record<Action, string> = {
  create: '+',
  update: '~',
  replace: '-/+',
  delete: '-',
  noop: ' ',
};

export interface AttrChange {
  path: string;
  before: unknown;
  after: unknown;
  /** The driver cannot make this change in place: it is why the resource is replaced. */
  forcesReplacement?: boolean;
}

/** One resource's planned change. `before` is the observed state, `after` the desired shape. */
export interface Change {
  address: string;
  kind: string;
  /** Tenant scope: `customer/env/...`, `customer`, or '' for provider-wide (reseller domains). */
  scope: string;
  endpoint: string;
  action: Action;
  before?: unknown;
  after?: unknown;
  attrs: AttrChange[];
  reasons: string[];
  /** Addresses this resource needs (create after them, delete before them). */
  dependsOn: string[];
  /** The real object exists but the state does not record it (e.g. after a crash): apply records it. */
  adopt?: boolean;
  /**
   * What the resource will be, as its driver shows it (`ResourceDriver.display`): no secrets,
   * only digests or redacted forms. Absent when the driver has no display.
   */
  display?: Record<string, unknown>;
  /**
   * For an update or replace: the display values that differ from those the resource was last
   * applied with (e.g. parameters inside user-data whose digest changed). Only names the recorded
   * shape had are compared, so a record written before a driver showed them adds no noise.
   */
  displayChanges?: AttrChange[];
}

/**
 * A plan is data (docs/engine.md): apply executes exactly these changes. `stateSerial` holds the
 * serial of every scope the plan reads; apply refuses the plan (PLAN_STALE) when one has moved.
 */
export interface Plan {
  format: 'aare-plan/1';
  id: string;
  createdAt: string;
  /** What the plan covers: all customers, one customer, or one customer environment. */
  filter: PlanFilter;
  /** `destroy` plans delete everything in the filter. */
  mode: 'apply' | 'destroy';
  stateSerial: Record<string, number>;
  changes: Change[];
}

export interface PlanFilter {
  customer?: string;
  env?: string;
}

/** The tenant a scope belongs to: its first segment ('' for provider-wide). */
export function serialKeyOf(scope: string): string {
  const i = scope.indexOf('/');
  return i < 0 ? scope : scope.slice(0, i);
}

/** True when a resource of `scope` is inside what `filter` covers. */
export function inFilter(scope: string, filter: PlanFilter): boolean {
  if (!filter.customer) return true;
  const prefix = filter.env ? `${filter.customer}/${filter.env}` : filter.customer;
  return scope === prefix || scope.startsWith(prefix + '/');
}

export function countActions(changes: readonly Change[]): Record<Action, number> {
  const counts: Record<Action, number> = { create: 0, update: 0, replace: 0, delete: 0, noop: 0 };
  for (const c of changes) counts[c.action]++;
  return counts;
}

export function hasChanges(plan: Plan): boolean {
  return plan.changes.some((c) => c.action !== 'noop' || c.adopt === true);
}

/** The steps apply performs: a replace is a destroy followed by a create. */
export type OpKind = 'create' | 'update' | 'delete' | 'record';

interface EventBase {
  /** Numbered from 1 in the order the engine emitted them. */
  seq: number;
  at: string;
}

/** Typed engine events (docs/engine.md); the CLI renders them as TTY, plain text or NDJSON. */
export type EngineEvent = EventBase &
  (
    | { type: 'plan.start'; filter: PlanFilter; resources: number }
    | { type: 'refresh.start'; kinds: string[]; resources: number }
    /** After each refresh call: `done` of `total` addresses are known (a listing covers many). */
    | { type: 'refresh.progress'; kind: string; done: number; total: number }
    | { type: 'refresh.done'; kinds: string[]; resources: number; ms: number }
    | { type: 'plan.done'; planId: string; counts: Record<Action, number>; ms: number }
    | { type: 'apply.start'; planId: string; operations: number }
    | { type: 'resource.pre'; address: string; op: OpKind }
    | { type: 'resource.done'; address: string; op: OpKind; ms: number }
    | { type: 'resource.failed'; address: string; op: OpKind; diagnostic: Diagnostic }
    | { type: 'resource.skipped'; address: string; op: OpKind; reason: 'upstream failed' | 'cancelled' }
    | { type: 'recovered'; address: string; outcome: 'adopted' | 'gone' | 'refreshed' }
    | { type: 'diagnostic'; diagnostic: Diagnostic }
    | {
        type: 'summary';
        planId: string;
        done: number;
        failed: number;
        skipped: number;
        ms: number;
      }
  );

/** An event as handed to `emit`: the engine numbers and stamps it. */
export type EngineEventInput = EngineEvent extends infer E
  ? E extends EventBase
    ? Omit<E, 'seq' | 'at'>
    : never
  : never;

export type EventSink = (event: EngineEvent) => void;

/** Numbers events in order and stamps them; one per plan or apply run. */
export function eventEmitter(sink: EventSink | undefined): (e: EngineEventInput) => void {
  let seq = 0;
  return (e) => {
    seq++;
    sink?.({ ...e, seq, at: new Date().toISOString() } as EngineEvent);
  };
}
