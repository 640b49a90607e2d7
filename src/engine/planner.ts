import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { error } from '../diag/index.js';
import type { Diagnostic, Result } from '../diag/index.js';
import type { EngineDriver } from './driver-types.js';
import type { EngineContext } from './engine-context.js';
import { EngineState } from './engine-state.js';
import type { IntentRecord, ResourceRecord } from './engine-state.js';
import { dependenciesOf, flattenAttrs, refsIn, resolveRefs } from './desired-resource.js';
import type { DesiredResource } from './desired-resource.js';
import { topoOrder } from './resource-graph.js';
import { countActions, eventEmitter, inFilter, serialKeyOf } from './plan-types.js';
import type { AttrChange, Change, EngineEventInput, Plan, PlanFilter } from './plan-types.js';
import { providerDiagnostic } from './provider-failure.js';

export interface PlanRequest {
  /** The desired resources of what `filter` covers (plus what they depend on). Empty for destroy. */
  desired: DesiredResource[];
  filter: PlanFilter;
  mode: 'apply' | 'destroy';
}

/**
 * Refreshes the actual state of every resource the plan covers (one `list` per kind where the
 * driver has it) and diffs it against the desired resources. Read-only: writes nothing to the
 * store and changes nothing in real systems. Open intents of a crashed apply are taken into
 * account in memory (an object found by its address tag is adopted, not created again).
 */
export async function makePlan(ctx: EngineContext, request: PlanRequest): Promise<Result<Plan | undefined>> {
  const started = Date.now();
  const emit = eventEmitter(ctx.onEvent);
  const signal = ctx.signal ?? new AbortController().signal;
  const state = new EngineState(ctx.store);
  const [records, intents, serials] = await Promise.all([
    state.resources(),
    state.intents(),
    state.serials(),
  ]);
  const diagnostics: Diagnostic[] = [];
  const desired = request.mode === 'destroy' ? [] : request.desired;
  const inScope = records.filter((r) => inFilter(r.scope, request.filter));
  const openIntents = intents.filter(
    (i) => inFilter(i.scope, request.filter) || desired.some((d) => d.address === i.address),
  );
  emit({ type: 'plan.start', filter: request.filter, resources: desired.length });

  const recordOf = new Map(records.map((r) => [r.address, r]));
  const desiredOf = new Map<string, DesiredResource>();
  for (const d of desired) {
    if (desiredOf.has(d.address))
      diagnostics.push(error('INTERNAL', `two desired resources have the address ${d.address}`));
    desiredOf.set(d.address, d);
  }
  for (const kind of new Set([
    ...desired.map((d) => d.kind),
    ...inScope.map((r) => r.kind),
    ...openIntents.map((i) => i.kind),
  ])) {
    if (!ctx.drivers.has(kind)) diagnostics.push(error('INTERNAL', `no driver for resource kind ${kind}`));
  }
  const { order, diagnostics: cycle } = topoOrder(
    desired.map((d) => ({ id: d.address, after: dependenciesOf(d), endpoint: '' })),
  );
  diagnostics.push(...cycle);
  for (const d of desired) {
    for (const dep of dependenciesOf(d)) {
      if (!desiredOf.has(dep))
        diagnostics.push(
          error('INTERNAL', `${d.address} depends on ${dep}, which is not planned`, { address: d.address }),
        );
    }
  }
  if (diagnostics.length > 0) return { value: undefined, diagnostics };

  const refreshStarted = Date.now();
  let actual: Map<string, unknown>;
  try {
    actual = await refresh(ctx, signal, desired, inScope, openIntents, recordOf, emit);
  } catch (err) {
    return { value: undefined, diagnostics: [providerDiagnostic(err, undefined)] };
  }
  const kinds = [...new Set([...desired.map((d) => d.kind), ...inScope.map((r) => r.kind)])].sort();
  emit({ type: 'refresh.done', kinds, resources: actual.size, ms: Date.now() - refreshStarted });

  const changes = new Map<string, Change>();
  for (const address of order) {
    const d = desiredOf.get(address)!;
    const driver = ctx.drivers.get(d.kind)!;
    changes.set(
      address,
      planOne(d, driver, recordOf.get(address), actual.get(address), changes, actual, recordOf),
    );
  }
  const deletes: Change[] = [];
  const orphanAddresses = new Set([
    ...inScope.map((r) => r.address),
    ...openIntents.filter((i) => i.action === 'create').map((i) => i.address),
  ]);
  for (const address of [...orphanAddresses].sort()) {
    if (desiredOf.has(address)) continue;
    const rec = recordOf.get(address);
    const intent = openIntents.find((i) => i.address === address);
    const meta = (rec ?? intent)!;
    const act = actual.get(address);
    if (!rec && act === undefined) continue; // a create that never happened
    const driver = ctx.drivers.get(meta.kind)!;
    deletes.push({
      address,
      kind: meta.kind,
      scope: meta.scope,
      endpoint: driver.endpoint,
      action: 'delete',
      before: act,
      attrs: [],
      reasons: act === undefined ? ['already deleted outside Aare'] : [],
      dependsOn: meta.dependsOn,
      ...(rec ? {} : { adopt: true }),
    });
  }
  const all = [...order.map((a) => changes.get(a)!), ...deletes];
  const keys = new Set(all.map((c) => serialKeyOf(c.scope)));
  if (request.filter.customer) keys.add(request.filter.customer);
  const plan: Plan = {
    format: 'aare-plan/1',
    id: randomUUID(),
    createdAt: new Date().toISOString(),
    filter: request.filter,
    mode: request.mode,
    stateSerial: Object.fromEntries([...keys].sort().map((k) => [k, serials[k] ?? 0])),
    changes: all,
  };
  emit({ type: 'plan.done', planId: plan.id, counts: countActions(all), ms: Date.now() - started });
  return { value: plan, diagnostics: [] };
}

function planOne(
  d: DesiredResource,
  driver: EngineDriver,
  rec: ResourceRecord | undefined,
  act: unknown,
  planned: ReadonlyMap<string, Change>,
  actual: ReadonlyMap<string, unknown>,
  recordOf: ReadonlyMap<string, ResourceRecord>,
): Change {
  const display = driver.display?.(d.desired);
  const displayChanges = (): { displayChanges?: AttrChange[] } => {
    if (!display || !rec || !driver.display) return {};
    const changed = displayDiff(driver.display(rec.desired), display);
    return changed.length > 0 ? { displayChanges: changed } : {};
  };
  const base = {
    address: d.address,
    kind: d.kind,
    scope: d.scope,
    endpoint: driver.endpoint,
    after: d.desired,
    dependsOn: dependenciesOf(d),
    ...(display ? { display } : {}),
  };
  if (act === undefined) {
    return {
      ...base,
      action: 'create',
      attrs: flattenAttrs(d.desired).map((a) => ({ path: a.path, before: undefined, after: a.value })),
      reasons: rec ? ['deleted outside Aare'] : [],
    };
  }
  const adopt = rec ? {} : { adopt: true };
  const replacedTargets = refsIn(d.desired)
    .map((r) => r.$ref)
    .filter((t) => {
      const a = planned.get(t)?.action;
      return a === 'create' || a === 'replace';
    });
  if (replacedTargets.length > 0) {
    return {
      ...base,
      ...adopt,
      before: act,
      action: 'replace',
      attrs: [],
      ...displayChanges(),
      reasons: [...new Set(replacedTargets)].map((t) => `depends on ${t}, which is created anew`),
    };
  }
  const resolved = resolveRefs(d.desired, (t) => actual.get(t) ?? recordOf.get(t)?.state).value;
  const diff = driver.diff(resolved, act);
  const reasons = [...diff.reasons];
  let action: Change['action'] = 'noop';
  if (diff.replace) action = 'replace';
  else if (diff.changes.length > 0) {
    action = driver.update ? 'update' : 'replace';
    if (!driver.update) reasons.push(`${driver.kind} cannot be changed in place`);
  }
  if (action !== 'noop' && rec && driver.diff(resolved, rec.state).changes.length === 0) {
    reasons.push('changed outside Aare');
  }
  // without `update`, every change is one that forces the replacement
  const attrs = driver.update ? diff.changes : diff.changes.map((c) => ({ ...c, forcesReplacement: true }));
  return {
    ...base,
    ...adopt,
    before: act,
    action,
    attrs,
    ...(action === 'noop' ? {} : displayChanges()),
    reasons,
  };
}

/**
 * The display values of `after` that differ from `before`, for the names `before` has: one level
 * of `name -> value` is compared entry by entry (`parameters.nginx::port`), the rest as a whole.
 */
export function displayDiff(before: Record<string, unknown>, after: Record<string, unknown>): AttrChange[] {
  const out: AttrChange[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  for (const name of Object.keys(before).sort()) {
    const b = before[name];
    const a = after[name];
    if (b === undefined) continue;
    if (isRecord(b) && isRecord(a)) {
      for (const key of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort())
        if (!same(b[key], a[key])) out.push({ path: `${name}.${key}`, before: b[key], after: a[key] });
    } else if (!same(b, a)) out.push({ path: name, before: b, after: a });
  }
  return out;
}

/** Observed state of every address the plan touches; missing = gone (or never created). */
async function refresh(
  ctx: EngineContext,
  signal: AbortSignal,
  desired: readonly DesiredResource[],
  inScope: readonly ResourceRecord[],
  intents: readonly IntentRecord[],
  recordOf: ReadonlyMap<string, ResourceRecord>,
  emit: (e: EngineEventInput) => void,
): Promise<Map<string, unknown>> {
  const byKind = new Map<string, Set<string>>();
  const add = (kind: string, address: string) => {
    const set = byKind.get(kind) ?? new Set<string>();
    set.add(address);
    byKind.set(kind, set);
  };
  for (const d of desired) add(d.kind, d.address);
  for (const r of inScope) add(r.kind, r.address);
  for (const i of intents) add(i.kind, i.address);
  const actual = new Map<string, unknown>();
  const limiters = new Map<string, ReturnType<typeof pLimit>>();
  const limit = (endpoint: string) => {
    let l = limiters.get(endpoint);
    if (!l) limiters.set(endpoint, (l = pLimit(ctx.limits?.[endpoint] ?? 4)));
    return l;
  };
  const intentOf = new Map(intents.map((i) => [i.address, i]));
  const total = [...byKind.values()].reduce((n, set) => n + set.size, 0);
  emit({ type: 'refresh.start', kinds: [...byKind.keys()].sort(), resources: total });
  let done = 0;
  const progress = (kind: string, n: number) => {
    done += n;
    emit({ type: 'refresh.progress', kind, done, total });
  };
  const jobs: Promise<void>[] = [];
  for (const [kind, set] of [...byKind].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const driver = ctx.drivers.get(kind)!;
    const addresses = [...set].sort();
    if (driver.list) {
      jobs.push(
        limit(driver.endpoint)(async () => {
          const found = await driver.list!({ addresses, signal });
          for (const a of addresses) if (found.has(a)) actual.set(a, found.get(a));
          progress(kind, addresses.length);
        }),
      );
      continue;
    }
    for (const address of addresses) {
      const rec = recordOf.get(address);
      const intent = intentOf.get(address);
      jobs.push(
        limit(driver.endpoint)(async () => {
          let s: unknown;
          if (rec) s = await driver.read({ address, prior: rec.state, signal });
          else if (intent && driver.findByAddress) s = await driver.findByAddress({ address, signal });
          if (s !== undefined) actual.set(address, s);
          progress(kind, 1);
        }),
      );
    }
  }
  const results = await Promise.allSettled(jobs);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return actual;
}
