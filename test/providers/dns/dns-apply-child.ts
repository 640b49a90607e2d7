// Child process of the DNS crash test: plans and applies the test world into a SQLite state file,
// printing each engine event as one JSON line, until the parent kills it.
import { applyPlan, makePlan } from '../../../src/engine/index.js';
import { openStore } from '../../../src/store/index.js';
import { engineCtx, worldResources } from './dns-lab-helpers.js';
import type { TestVm } from './dns-lab-helpers.js';

const input = JSON.parse(process.env.DNS_CHILD ?? '{}') as {
  db: string;
  w: { domain: string; cidr: string; net: string };
  vms: TestVm[];
};
const store = await openStore({ sqlitePath: input.db });
const ctx = { ...engineCtx(store), onEvent: (e: unknown) => process.stdout.write(JSON.stringify(e) + '\n') };
// one call at a time, so the kill lands between records
const serial = { ...ctx, limits: { dns: 1 } };
const planned = await makePlan(serial, {
  desired: worldResources(input.w, input.vms),
  filter: {},
  mode: 'apply',
});
if (!planned.value) throw new Error(JSON.stringify(planned.diagnostics));
await applyPlan(serial, planned.value);
await store.close();
