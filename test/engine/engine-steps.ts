// Plan and apply as the lab tests of a provider drive the engine: no diagnostics expected, and the
// changes a plan holds as `address -> action` (no-ops left out).
import assert from 'node:assert/strict';
import { applyPlan, makePlan } from '../../src/engine/index.js';
import type { DesiredResource, EngineContext, Plan } from '../../src/engine/index.js';

export async function plan(
  ctx: EngineContext,
  desired: DesiredResource[],
  mode: 'apply' | 'destroy' = 'apply',
) {
  const r = await makePlan(ctx, { desired, filter: {}, mode });
  assert.deepEqual(r.diagnostics, []);
  return r.value!;
}

/** Plans and applies; the plan it applied. */
export async function converge(
  ctx: EngineContext,
  desired: DesiredResource[],
  mode: 'apply' | 'destroy' = 'apply',
) {
  const p = await plan(ctx, desired, mode);
  const r = await applyPlan(ctx, p);
  assert.deepEqual(r.diagnostics, []);
  return p;
}

export const actions = (p: Plan) =>
  Object.fromEntries(p.changes.filter((c) => c.action !== 'noop').map((c) => [c.address, c.action]));
