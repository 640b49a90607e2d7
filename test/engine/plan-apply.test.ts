import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/index.js';
import { storeBackendsForTests } from '../store/store-test-backends.js';
import type { Store } from '../../src/store/index.js';
import { acquireApplyLock, applyPlan, makePlan, ref, hasChanges } from '../../src/engine/index.js';
import type {
  DesiredResource,
  EngineContext,
  EngineEvent,
  Plan,
  PlanFilter,
} from '../../src/engine/index.js';
import { MemoryCloud, memoryDriver } from './memory-driver.js';
import type { MemoryDriver } from './memory-driver.js';

/** A small world: per customer a project, per env a network, subnet and servers. */
function world(customers: Record<string, Record<string, Record<string, { flavor: string; image: string }>>>) {
  const out: DesiredResource[] = [];
  for (const [c, envs] of Object.entries(customers)) {
    out.push({ address: `t.project.${c}`, kind: 't.project', scope: c, dependsOn: [], desired: { name: c } });
    for (const [e, vms] of Object.entries(envs)) {
      const s = `${c}/${e}`;
      out.push({
        address: `t.network.${s}`,
        kind: 't.network',
        scope: s,
        dependsOn: [],
        desired: { project: ref(`t.project.${c}`), name: s },
      });
      out.push({
        address: `t.subnet.${s}`,
        kind: 't.subnet',
        scope: s,
        dependsOn: [],
        desired: { network: ref(`t.network.${s}`), cidr: '10.0.0.0/24' },
      });
      for (const [vm, spec] of Object.entries(vms)) {
        out.push({
          address: `t.server.${s}/${vm}`,
          kind: 't.server',
          scope: `${s}/${vm}`,
          dependsOn: [],
          desired: { subnet: ref(`t.subnet.${s}`), name: vm, ...spec },
        });
      }
    }
  }
  return out;
}

async function setup(store: Store, opts: { withList?: boolean } = {}) {
  const cloud = new MemoryCloud();
  const drivers = new Map<string, MemoryDriver>([
    ['t.project', memoryDriver(cloud, 't.project', { endpoint: 'keystone', withList: opts.withList })],
    [
      't.network',
      memoryDriver(cloud, 't.network', {
        endpoint: 'neutron',
        replaceOn: ['project'],
        withList: opts.withList,
      }),
    ],
    [
      't.subnet',
      memoryDriver(cloud, 't.subnet', {
        endpoint: 'neutron',
        replaceOn: ['network', 'cidr'],
        withList: opts.withList,
      }),
    ],
    [
      't.server',
      memoryDriver(cloud, 't.server', {
        endpoint: 'nova',
        replaceOn: ['image', 'subnet'],
        withList: opts.withList,
      }),
    ],
  ]);
  const events: EngineEvent[] = [];
  const ctx: EngineContext = { store, drivers, onEvent: (e) => events.push(e), recoveryGraceMs: 0 };
  const plan = async (
    desired: DesiredResource[],
    filter: PlanFilter = {},
    mode: 'apply' | 'destroy' = 'apply',
  ) => {
    const r = await makePlan(ctx, { desired, filter, mode });
    assert.deepEqual(r.diagnostics, []);
    return r.value!;
  };
  const converge = async (desired: DesiredResource[], filter: PlanFilter = {}) => {
    const p = await plan(desired, filter);
    const r = await applyPlan(ctx, p);
    assert.deepEqual(r.diagnostics, []);
    return p;
  };
  return { cloud, drivers, events, ctx, plan, converge };
}

const actions = (p: Plan) => Object.fromEntries(p.changes.map((c) => [c.address, c.action]));
const kindsOf = (cloud: MemoryCloud) => [...cloud.objects.values()].map((o) => o.address).sort();

const demo = {
  muster: { test: { web1: { flavor: 'small', image: 'deb12' }, db1: { flavor: 'small', image: 'deb12' } } },
  other: { prod: { app1: { flavor: 'large', image: 'deb12' } } },
};

for (const backend of storeBackendsForTests()) {
  const it = (name: string, fn: (store: Store) => Promise<void>) =>
    void test(`engine (${backend.name}): ${name}`, async () => {
      const store = await openStore(await backend.fresh());
      try {
        await fn(store);
      } finally {
        await store.close();
      }
    });

  it('plans creates from empty, applies them, then plans no changes', async (store) => {
    const w = await setup(store);
    const p = await w.plan(world(demo));
    assert.ok(p.changes.every((c) => c.action === 'create'));
    assert.equal(p.changes.length, 9);
    const r = await applyPlan(w.ctx, p);
    assert.equal(r.ok, true);
    assert.equal(r.done, 9);
    assert.equal(w.cloud.objects.size, 9);
    const again = await w.plan(world(demo));
    assert.equal(hasChanges(again), false, JSON.stringify(again.changes.filter((c) => c.action !== 'noop')));
    // events are numbered in order
    const seqs = w.events.map((e) => e.seq);
    assert.ok(seqs.length > 0);
  });

  it('an in-place change is an update; a create-only change is a replace with its reason, cascading to what refers to it', async (store) => {
    const w = await setup(store);
    await w.converge(world(demo));
    const changed = structuredClone(demo);
    changed.muster.test.web1.flavor = 'large';
    changed.muster.test.db1.image = 'deb13';
    const p = await w.plan(world(changed));
    const a = actions(p);
    assert.equal(a['t.server.muster/test/web1'], 'update');
    assert.equal(a['t.server.muster/test/db1'], 'replace');
    const db1 = p.changes.find((c) => c.address === 't.server.muster/test/db1')!;
    assert.deepEqual(db1.reasons, ['image cannot change in place']);
    assert.deepEqual(db1.attrs, [
      { path: 'image', before: 'deb12', after: 'deb13', forcesReplacement: true },
    ]);
    const r = await applyPlan(w.ctx, p);
    assert.equal(r.ok, true);
    assert.equal(w.cloud.objects.size, 9);
    assert.equal(hasChanges(await w.plan(world(changed))), false);

    // a subnet CIDR change replaces the subnet and every server that refers to it
    const servers = world(changed).map((d) =>
      d.address === 't.subnet.muster/test'
        ? { ...d, desired: { ...(d.desired as object), cidr: '10.9.0.0/24' } }
        : d,
    );
    const p2 = await w.plan(servers);
    assert.equal(actions(p2)['t.subnet.muster/test'], 'replace');
    assert.equal(actions(p2)['t.server.muster/test/web1'], 'replace');
    assert.deepEqual(p2.changes.find((c) => c.address === 't.server.muster/test/web1')!.reasons, [
      'depends on t.subnet.muster/test, which is created anew',
    ]);
    const order: string[] = [];
    w.ctx.onEvent = (e) => {
      if (e.type === 'resource.done') order.push(`${e.op}:${e.address}`);
    };
    assert.equal((await applyPlan(w.ctx, p2)).ok, true);
    const pos = (s: string) => order.indexOf(s);
    assert.ok(pos('delete:t.server.muster/test/web1') < pos('delete:t.subnet.muster/test'));
    assert.ok(pos('delete:t.subnet.muster/test') < pos('create:t.subnet.muster/test'));
    assert.ok(pos('create:t.subnet.muster/test') < pos('create:t.server.muster/test/web1'));
    assert.equal(w.cloud.objects.size, 9);
  });

  it('a resource removed from the model is deleted, dependents before what they depend on', async (store) => {
    const w = await setup(store);
    await w.converge(world(demo));
    const order: string[] = [];
    w.ctx.onEvent = (e) => {
      if (e.type === 'resource.done') order.push(e.address);
    };
    const smaller = { muster: demo.muster };
    const p = await w.plan(world(smaller));
    assert.deepEqual(
      p.changes.filter((c) => c.action === 'delete').map((c) => c.address),
      ['t.network.other/prod', 't.project.other', 't.server.other/prod/app1', 't.subnet.other/prod'],
    );
    assert.equal((await applyPlan(w.ctx, p)).ok, true);
    assert.deepEqual(order, [
      't.server.other/prod/app1',
      't.subnet.other/prod',
      't.network.other/prod',
      't.project.other',
    ]);
    assert.equal(w.cloud.objects.size, 5);
  });

  it('a plan for one customer neither deletes nor touches another customer', async (store) => {
    const w = await setup(store);
    await w.converge(world(demo));
    const p = await w.plan(world({ muster: demo.muster }), { customer: 'muster' });
    assert.equal(hasChanges(p), false);
    assert.ok(p.changes.every((c) => c.scope.startsWith('muster')));
    const destroy = await w.plan([], { customer: 'muster', env: 'test' }, 'destroy');
    assert.deepEqual(destroy.changes.map((c) => c.address).sort(), [
      't.network.muster/test',
      't.server.muster/test/db1',
      't.server.muster/test/web1',
      't.subnet.muster/test',
    ]);
    assert.equal((await applyPlan(w.ctx, destroy)).ok, true);
    assert.deepEqual(kindsOf(w.cloud), [
      't.network.other/prod',
      't.project.muster',
      't.project.other',
      't.server.other/prod/app1',
      't.subnet.other/prod',
    ]);
  });

  it('refresh finds drift: an object deleted or changed by hand', async (store) => {
    const w = await setup(store, { withList: true });
    await w.converge(world(demo));
    const web1 = [...w.cloud.objects.values()].find((o) => o.address === 't.server.muster/test/web1')!;
    w.cloud.objects.delete(web1.id);
    const db1 = [...w.cloud.objects.values()].find((o) => o.address === 't.server.muster/test/db1')!;
    db1.flavor = 'huge';
    for (const d of w.drivers.values()) for (const k of Object.keys(d.calls)) delete d.calls[k];
    const p = await w.plan(world(demo));
    const web = p.changes.find((c) => c.address === 't.server.muster/test/web1')!;
    assert.equal(web.action, 'create');
    assert.deepEqual(web.reasons, ['deleted outside Aare']);
    const db = p.changes.find((c) => c.address === 't.server.muster/test/db1')!;
    assert.equal(db.action, 'update');
    assert.deepEqual(db.reasons, ['changed outside Aare']);
    // one list per kind, no per-resource reads
    for (const d of w.drivers.values()) assert.deepEqual(d.calls, { list: 1 }, d.kind);
    await applyPlan(w.ctx, p);
    assert.equal(hasChanges(await w.plan(world(demo))), false);
  });

  it('refuses a plan whose state changed since it was made (PLAN_STALE)', async (store) => {
    const w = await setup(store);
    const first = await w.plan(world(demo));
    const second = await w.plan(world(demo));
    assert.equal((await applyPlan(w.ctx, second)).ok, true);
    const r = await applyPlan(w.ctx, first);
    assert.equal(r.ok, false);
    assert.equal(r.diagnostics[0]!.code, 'PLAN_STALE');
    assert.equal(w.cloud.objects.size, 9);
  });

  it('a failed call names the resource, skips its dependents, and the next apply converges', async (store) => {
    const w = await setup(store);
    let failed = false;
    w.drivers.get('t.subnet')!.hooks.beforeCreate = (address) => {
      if (address !== 't.subnet.muster/test' || failed) return;
      failed = true;
      throw new Error('HTTP 500 from neutron');
    };
    const r = await applyPlan(w.ctx, await w.plan(world(demo)));
    assert.equal(r.ok, false);
    assert.equal(r.failed, 1);
    assert.equal(r.diagnostics.length, 1);
    assert.equal(r.diagnostics[0]!.address, 't.subnet.muster/test');
    assert.match(r.diagnostics[0]!.summary, /HTTP 500/);
    const skipped = w.events
      .filter((e) => e.type === 'resource.skipped')
      .map((e) => (e as { address: string }).address);
    assert.deepEqual(skipped.sort(), ['t.server.muster/test/db1', 't.server.muster/test/web1']);
    await w.converge(world(demo));
    assert.equal(w.cloud.objects.size, 9);
    assert.equal(hasChanges(await w.plan(world(demo))), false);
  });

  for (const withList of [false, true]) {
    it(`a create that happened but was never recorded is adopted, not duplicated (list: ${withList})`, async (store) => {
      const w = await setup(store, { withList });
      // the call succeeds in the cloud, then the process "dies" before recording the result
      w.drivers.get('t.server')!.hooks.afterCreate = (address) => {
        if (address.endsWith('web1')) throw new Error('simulated crash after the object exists');
      };
      const r = await applyPlan(w.ctx, await w.plan(world(demo)));
      assert.equal(r.ok, false);
      const intents = await store.db.selectFrom('engine_intents').select(['address', 'action']).execute();
      assert.deepEqual(intents, [{ address: 't.server.muster/test/web1', action: 'create' }]);
      w.drivers.get('t.server')!.hooks.afterCreate = undefined;
      const p = await w.plan(world(demo));
      const web1 = p.changes.find((c) => c.address === 't.server.muster/test/web1')!;
      assert.equal(web1.action, 'noop');
      assert.equal(web1.adopt, true);
      assert.equal((await applyPlan(w.ctx, p)).ok, true);
      assert.equal(w.cloud.objects.size, 9);
      assert.equal((await store.db.selectFrom('engine_intents').selectAll().execute()).length, 0);
      assert.equal(hasChanges(await w.plan(world(demo))), false);
    });
  }

  it('an unrecorded object whose resource left the model is deleted (no orphan)', async (store) => {
    const w = await setup(store);
    w.drivers.get('t.server')!.hooks.afterCreate = (address) => {
      if (address.endsWith('app1')) throw new Error('simulated crash');
    };
    await applyPlan(w.ctx, await w.plan(world(demo)));
    w.drivers.get('t.server')!.hooks.afterCreate = undefined;
    const smaller = structuredClone(demo) as Partial<typeof demo>;
    smaller.other = { prod: {} } as unknown as typeof demo.other;
    const p = await w.plan(world(smaller as typeof demo));
    const app1 = p.changes.find((c) => c.address === 't.server.other/prod/app1')!;
    assert.equal(app1.action, 'delete');
    assert.equal((await applyPlan(w.ctx, p)).ok, true);
    assert.equal(kindsOf(w.cloud).includes('t.server.other/prod/app1'), false);
    assert.equal(w.cloud.objects.size, 8);
  });

  it('recovery waits out the grace period for a create still landing, then adopts it; a plan that expected a create is stale', async (store) => {
    const w = await setup(store, { withList: true });
    w.ctx.recoveryGraceMs = 400;
    const desired = world({ muster: { test: {} } });
    const plan = await w.plan(desired);
    // a killed apply's intent for the project, whose request lands 150 ms later
    await store.db
      .insertInto('engine_intents')
      .values({
        address: 't.project.muster',
        kind: 't.project',
        scope: 'muster',
        endpoint: 'keystone',
        action: 'create',
        desired: JSON.stringify({ name: 'muster' }),
        depends_on: '[]',
        apply_id: 'dead',
        started_at: new Date().toISOString(),
      })
      .execute();
    setTimeout(
      () =>
        w.cloud.objects.set('project-99', { id: 'project-99', address: 't.project.muster', name: 'muster' }),
      150,
    );
    const r = await applyPlan(w.ctx, plan);
    assert.equal(r.ok, false);
    assert.equal(r.diagnostics[0]!.code, 'PLAN_STALE');
    assert.match(r.diagnostics[0]!.summary, /t\.project\.muster/);
    const recorded = await store.db.selectFrom('engine_resources').select(['address']).execute();
    assert.deepEqual(recorded, [{ address: 't.project.muster' }]);
    await w.converge(desired);
    assert.equal([...w.cloud.objects.values()].filter((o) => o.address === 't.project.muster').length, 1);
  });

  it('one apply at a time: a live holder is refused, a dead one is taken over', async (store) => {
    const held = await acquireApplyLock(store);
    await assert.rejects(
      acquireApplyLock(store),
      (err: { diagnostics?: { code: string }[] }) => err.diagnostics?.[0]?.code === 'LOCKED',
    );
    await held.release();
    // a holder whose pid does not exist on this host
    await store.db
      .insertInto('engine_locks')
      .values({
        name: 'apply',
        owner: 'dead',
        pid: 2 ** 22 + 17,
        host: (await import('node:os')).hostname(),
        acquired_at: new Date().toISOString(),
        heartbeat_at: new Date().toISOString(),
      })
      .execute();
    const taken = await acquireApplyLock(store);
    await taken.release();
    // a holder on another host with a stale heartbeat
    const old = new Date(Date.now() - 3600_000).toISOString();
    await store.db
      .insertInto('engine_locks')
      .values({ name: 'apply', owner: 'far', pid: 1, host: 'elsewhere', acquired_at: old, heartbeat_at: old })
      .execute();
    const again = await acquireApplyLock(store);
    await again.release();
  });
}
