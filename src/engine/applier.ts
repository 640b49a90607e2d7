import { randomUUID } from 'node:crypto';
import { DiagnosticsError, error } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';
import type { EngineContext } from './engine-context.js';
import { acquireApplyLock } from './apply-lock.js';
import { EngineState } from './engine-state.js';
import type { IntentRecord, ResourceRecord } from './engine-state.js';
import { resolveRefs } from './desired-resource.js';
import { walk } from './resource-graph.js';
import type { GraphNode } from './resource-graph.js';
import { eventEmitter } from './plan-types.js';
import type { OpKind, Plan } from './plan-types.js';
import { isAbort, partialStateOf, providerDiagnostic } from './provider-failure.js';

export interface ApplyResult {
  ok: boolean;
  done: number;
  failed: number;
  skipped: number;
  diagnostics: Diagnostic[];
}

/**
 * Executes exactly the changes of `plan` (docs/engine.md), in dependency order, concurrently
 * within per-endpoint limits, under the apply lock.
 *
 * Journal: before each provider call an intent row is written; after it, the result and the
 * cleared intent are written in one transaction. An apply killed at any point leaves intents that
 * the next apply resolves first (`recoverIntents`): a create is looked up by its address tag and
 * adopted, an update or delete is read back. So a crash makes no duplicate and no orphan.
 *
 * Refuses (PLAN_STALE) a plan whose scopes' state serials moved since it was made.
 */
export async function applyPlan(ctx: EngineContext, plan: Plan): Promise<ApplyResult> {
  const started = Date.now();
  const emit = eventEmitter(ctx.onEvent);
  const signal = ctx.signal ?? new AbortController().signal;
  const state = new EngineState(ctx.store);
  const lock = await acquireApplyLock(ctx.store);
  try {
    let recovered: Map<string, RecoveryOutcome>;
    try {
      recovered = await recoverIntents(ctx, state, signal, (address, outcome) =>
        emit({ type: 'recovered', address, outcome }),
      );
    } catch (err) {
      // a failed look-up leaves the intent open: nothing was changed, the next apply tries again
      if (!(err instanceof RecoveryFailure)) throw err;
      return {
        ok: false,
        done: 0,
        failed: 0,
        skipped: 0,
        diagnostics: [providerDiagnostic(err.cause, err.address)],
      };
    }
    const serials = await state.serials();
    const moved = Object.entries(plan.stateSerial)
      .filter(([k, s]) => (serials[k] ?? 0) !== s)
      .map(([k]) => k || 'provider-wide');
    // recovery found what the plan did not expect (an object created by a killed apply, or gone)
    for (const c of plan.changes) {
      const outcome = recovered.get(c.address);
      if ((outcome === 'adopted' && c.action === 'create') || (outcome === 'gone' && c.adopt))
        moved.push(c.address);
    }
    if (moved.length > 0) {
      const diagnostic = error(
        'PLAN_STALE',
        `the state changed since plan ${plan.id} was made (${moved.join(', ')}); make a new plan`,
      );
      return { ok: false, done: 0, failed: 0, skipped: 0, diagnostics: [diagnostic] };
    }
    const ops = operationsOf(plan);
    emit({ type: 'apply.start', planId: plan.id, operations: ops.length });
    const records = new Map((await state.resources()).map((r) => [r.address, r]));
    const changeOf = new Map(plan.changes.map((c) => [c.address, c]));
    const diagnostics: Diagnostic[] = [];
    const opOf = new Map(ops.map((o) => [o.id, o]));
    const applyId = randomUUID();

    const visit = async (id: string, opSignal: AbortSignal) => {
      const op = opOf.get(id)!;
      const change = changeOf.get(op.address)!;
      const driver = ctx.drivers.get(change.kind);
      if (!driver) throw new Error(`no driver for resource kind ${change.kind}`);
      const t0 = Date.now();
      emit({ type: 'resource.pre', address: op.address, op: op.kind });
      const recordWith = (s: unknown): ResourceRecord => ({
        address: change.address,
        kind: change.kind,
        scope: change.scope,
        endpoint: driver.endpoint,
        state: s,
        desired: change.after ?? null,
        dependsOn: change.dependsOn,
      });
      const intent = (action: IntentRecord['action']): IntentRecord => ({
        address: change.address,
        kind: change.kind,
        scope: change.scope,
        endpoint: driver.endpoint,
        action,
        desired: change.after ?? null,
        dependsOn: change.dependsOn,
        applyId,
        startedAt: new Date().toISOString(),
      });
      const resolveDesired = () => {
        const { value, unresolved } = resolveRefs(change.after, (t) => records.get(t)?.state);
        if (unresolved.length > 0)
          throw new Error(`${change.address} needs ${unresolved.join(', ')}, which is not recorded`);
        return value;
      };
      const done = async (record: ResourceRecord | null) => {
        await state.recordResult(change.address, record, { scope: change.scope, bumpSerial: true });
        if (record) records.set(change.address, record);
        else records.delete(change.address);
      };
      switch (op.kind) {
        case 'record':
          await done(recordWith(change.before));
          break;
        case 'create': {
          const desired = resolveDesired();
          await state.writeIntent(intent('create'));
          try {
            await done(
              recordWith(await driver.create({ address: change.address, desired, signal: opSignal })),
            );
          } catch (err) {
            const partial = partialStateOf(err);
            // the object exists but is not usable: record it, so the next plan shows what to do
            if (partial !== undefined) await done(recordWith(partial));
            // otherwise the intent stays open: it may exist, the next apply looks it up
            throw err;
          }
          break;
        }
        case 'update': {
          const prior = records.get(change.address)?.state ?? change.before;
          const desired = resolveDesired();
          await state.writeIntent(intent('update'));
          await done(
            recordWith(await driver.update!({ address: change.address, desired, prior, signal: opSignal })),
          );
          break;
        }
        case 'delete': {
          const rec = records.get(change.address);
          const prior = change.before ?? rec?.state;
          if (change.before === undefined) {
            await done(null); // already gone: only the record is left
            break;
          }
          if (!rec) await done(recordWith(prior)); // adopt first, so a crash mid-delete is still known
          await state.writeIntent(intent('delete'));
          try {
            await driver.delete({ address: change.address, prior, signal: opSignal });
          } catch (err) {
            await state.clearIntent(change.address); // a failed delete leaves the object in place
            throw err;
          }
          await done(null);
          break;
        }
      }
      emit({ type: 'resource.done', address: op.address, op: op.kind, ms: Date.now() - t0 });
    };

    const outcome = await walk(ops, {
      signal,
      ...(ctx.limits ? { limits: ctx.limits } : {}),
      visit,
      onFailed: (id, err) => {
        const op = opOf.get(id)!;
        const diagnostic = providerDiagnostic(err, op.address);
        diagnostics.push(diagnostic);
        emit({ type: 'resource.failed', address: op.address, op: op.kind, diagnostic });
      },
      onSkipped: (id, reason) => {
        const op = opOf.get(id)!;
        emit({ type: 'resource.skipped', address: op.address, op: op.kind, reason });
      },
    });
    const counts = { done: 0, failed: 0, skipped: 0 };
    for (const o of outcome.values()) {
      if (o === 'done') counts.done++;
      else if (o === 'failed') counts.failed++;
      else counts.skipped++;
    }
    if (signal.aborted) diagnostics.push(error('PROVIDER', 'apply cancelled; the next apply finishes it'));
    emit({ type: 'summary', planId: plan.id, ...counts, ms: Date.now() - started });
    return { ok: counts.failed === 0 && counts.skipped === 0, ...counts, diagnostics };
  } finally {
    await lock.release();
  }
}

interface Operation extends GraphNode {
  address: string;
  kind: OpKind;
}

/**
 * The plan as a graph of operations: create/update after what the resource depends on; delete
 * before what it depends on is deleted; a replace is a delete then a create (so a server keeps
 * its port and address); adopting a found object is a `record` step.
 */
export function operationsOf(plan: Plan): Operation[] {
  const ops: Operation[] = [];
  const establish = new Map<string, string>();
  const destroy = new Map<string, string>();
  for (const c of plan.changes) {
    const mk = (kind: OpKind) => {
      const op: Operation = {
        id: `${kind}:${c.address}`,
        address: c.address,
        kind,
        endpoint: c.endpoint,
        after: [],
      };
      ops.push(op);
      return op;
    };
    switch (c.action) {
      case 'create':
        establish.set(c.address, mk('create').id);
        break;
      case 'update':
        establish.set(c.address, mk('update').id);
        break;
      case 'replace':
        destroy.set(c.address, mk('delete').id);
        establish.set(c.address, mk('create').id);
        break;
      case 'delete':
        destroy.set(c.address, mk('delete').id);
        break;
      case 'noop':
        if (c.adopt) establish.set(c.address, mk('record').id);
        break;
    }
  }
  const changeOf = new Map(plan.changes.map((c) => [c.address, c]));
  for (const op of ops) {
    const c = changeOf.get(op.address)!;
    const after: string[] = [];
    if (op.kind === 'delete') {
      // delete me only after everything that depends on me is deleted
      for (const other of plan.changes) {
        if (other.dependsOn.includes(c.address) && destroy.has(other.address))
          after.push(destroy.get(other.address)!);
      }
    } else {
      for (const dep of c.dependsOn) if (establish.has(dep)) after.push(establish.get(dep)!);
      if (op.kind === 'create' && destroy.has(c.address)) after.push(destroy.get(c.address)!);
    }
    op.after = after;
  }
  return ops;
}

/**
 * How long a create may still land after its caller died (its request was already sent): as long
 * as the caller itself would have waited for the answer (the HTTP transport's per-attempt timeout).
 * A loaded Nova took 23 s to accept a server; with 20 s here the next apply created a second one.
 */
export const CREATE_GRACE_MS = 60_000;

/** How often recovery looks again for a create that may still land. */
const RECOVERY_POLL_MS = 2_000;

export type RecoveryOutcome = 'adopted' | 'gone' | 'refreshed';

/**
 * Takes the apply lock and resolves what a killed apply left open (see `recoverIntents`). Run it
 * before planning, so the plan starts from recorded state.
 */
export async function recoverInterrupted(ctx: EngineContext): Promise<Map<string, RecoveryOutcome>> {
  const emit = eventEmitter(ctx.onEvent);
  const lock = await acquireApplyLock(ctx.store);
  try {
    return await recoverIntents(
      ctx,
      new EngineState(ctx.store),
      ctx.signal ?? new AbortController().signal,
      (address, outcome) => emit({ type: 'recovered', address, outcome }),
    );
  } finally {
    await lock.release();
  }
}

/**
 * Resolves the intents a killed apply left open, before anything is planned or applied: a create
 * whose object exists (found by its address tag) is recorded, one that does not is dropped; an
 * update or delete is read back and recorded as found. A create younger than the grace period
 * (`ctx.recoveryGraceMs`, default CREATE_GRACE_MS) is looked for again at its end, since the dead
 * process's request may still be landing. Does not move state serials: it writes down what a plan
 * already saw (plans take open intents into account the same way); `applyPlan` compares the
 * outcomes with its plan.
 */
export async function recoverIntents(
  ctx: EngineContext,
  state: EngineState,
  signal: AbortSignal,
  onRecovered: (address: string, outcome: RecoveryOutcome) => void,
): Promise<Map<string, RecoveryOutcome>> {
  const outcomes = new Map<string, RecoveryOutcome>();
  const records = new Map((await state.resources()).map((r) => [r.address, r]));
  const grace = ctx.recoveryGraceMs ?? CREATE_GRACE_MS;
  for (const intent of await state.intents()) {
    try {
      await recoverOne(intent);
    } catch (err) {
      if (isAbort(err)) throw err;
      throw new RecoveryFailure(intent.address, err);
    }
  }
  return outcomes;

  async function recoverOne(intent: IntentRecord): Promise<void> {
    const driver = ctx.drivers.get(intent.kind);
    if (!driver) return;
    const rec = records.get(intent.address);
    const address = intent.address;
    const look = async (): Promise<unknown> => {
      if (rec) return driver.read({ address, prior: rec.state, signal });
      if (driver.findByAddress) return driver.findByAddress({ address, signal });
      if (driver.list) return (await driver.list({ addresses: [address], signal })).get(address);
      return undefined;
    };
    let found = await look();
    // a create may still be landing: look again until the grace period ends, adopt it as soon as
    // it shows up, and give up on it only once the dead process could no longer have been answered
    const deadline = Date.parse(intent.startedAt) + grace;
    while (found === undefined && intent.action === 'create' && Date.now() < deadline) {
      const wait = Math.min(RECOVERY_POLL_MS, deadline - Date.now());
      await new Promise((r) => setTimeout(r, wait));
      signal.throwIfAborted();
      found = await look();
    }
    const opts = { scope: intent.scope, bumpSerial: false };
    if (found === undefined) {
      await state.recordResult(address, null, opts);
      outcomes.set(address, 'gone');
      onRecovered(address, 'gone');
    } else {
      await state.recordResult(
        address,
        {
          address,
          kind: intent.kind,
          scope: intent.scope,
          endpoint: driver.endpoint,
          state: found,
          desired: rec?.desired ?? intent.desired,
          dependsOn: intent.dependsOn,
        },
        opts,
      );
      outcomes.set(address, rec ? 'refreshed' : 'adopted');
      onRecovered(address, rec ? 'refreshed' : 'adopted');
    }
  }
}

/**
 * A provider call failed while an open intent was being resolved; the intent stays open. It is a
 * diagnostic (the provider's, naming the resource and saying it was being recovered), so a command
 * reports the real cause instead of an internal error.
 */
export class RecoveryFailure extends DiagnosticsError {
  constructor(
    readonly address: string,
    override readonly cause: unknown,
  ) {
    const d = providerDiagnostic(cause, address);
    super([
      {
        ...d,
        summary: `while finishing what an interrupted apply left open: ${d.summary}`,
      },
    ]);
    this.name = 'RecoveryFailure';
  }
}
