// The engine against the real lab OpenStack: create from empty, no changes on a second plan,
// drift found by refresh, a flavor change replaces, a removed VM is deleted, destroy leaves
// nothing. Checks go through the OpenStack API, not through Aare's state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/index.js';
import { applyPlan, hasChanges, makePlan } from '../../src/engine/index.js';
import type { EngineContext, Plan, PlanFilter } from '../../src/engine/index.js';
import { openstack } from '../../src/providers/index.js';
import { labCloud, listByPrefix, smallCloud } from './lab-helpers.js';

const skip = process.env.OS_CLIENT_CONFIG_FILE
  ? false
  : 'no lab OpenStack (OS_CLIENT_CONFIG_FILE unset; run `eval "$(aare lab env)"`)';

test(
  'engine against the lab OpenStack: create, no changes, drift, replace, delete, destroy',
  { skip, timeout: 600_000 },
  async () => {
    const prefix = `t${Date.now().toString(36)}-`;
    const lab = await labCloud(prefix);
    const store = await openStore({ sqlitePath: ':memory:' });
    const ctx: EngineContext = {
      store,
      drivers: openstack.openstackDrivers({ client: lab.client, prefix }),
      limits: { nova: 4, neutron: 4, keystone: 2 },
    };
    const plan = async (
      input: openstack.CloudInput,
      filter: PlanFilter = {},
      mode: 'apply' | 'destroy' = 'apply',
    ): Promise<Plan> => {
      const records = new Map(
        (await store.db.selectFrom('engine_resources').select(['address', 'state']).execute()).map((r) => [
          r.address,
          JSON.parse(r.state) as { ip?: string },
        ]),
      );
      const desired = openstack.openstackResources(input, (a) => records.get(a)?.ip);
      assert.deepEqual(desired.diagnostics, []);
      const r = await makePlan(ctx, { desired: desired.value, filter, mode });
      assert.deepEqual(r.diagnostics, []);
      return r.value!;
    };
    const apply = async (p: Plan) => {
      const r = await applyPlan(ctx, p);
      assert.deepEqual(r.diagnostics, []);
      assert.equal(r.ok, true);
    };
    try {
      const v1 = smallCloud(lab, {
        web1: { flavor: 'm1.tiny', ports: [80, 443] },
        db1: { flavor: 'm1.tiny', ports: [5432] },
      });
      const p1 = await plan(v1);
      assert.ok(p1.changes.every((c) => c.action === 'create'));
      await apply(p1);
      const listed = await listByPrefix(lab.client, prefix);
      assert.deepEqual(listed.domains, [`${prefix}alpine-it`]);
      assert.deepEqual(listed.projects, [`${prefix}muster-ag`]);
      assert.deepEqual(listed.networks, [`${prefix}muster-ag-test`]);
      assert.deepEqual(listed.subnets, [`${prefix}muster-ag-test`]);
      assert.deepEqual(listed.routers, [`${prefix}muster-ag-test`]);
      assert.deepEqual(listed.servers, [
        `${prefix}db1.test.muster-ag.cloud.example.ch`,
        `${prefix}web1.test.muster-ag.cloud.example.ch`,
      ]);
      const p2 = await plan(v1);
      assert.equal(
        hasChanges(p2),
        false,
        JSON.stringify(
          p2.changes.filter((c) => c.action !== 'noop'),
          null,
          1,
        ),
      );

      // drift: a server and a security group rule deleted by hand
      const servers = await openstack.listServers(lab.client, { allTenants: true, name: `^${prefix}web1` });
      await openstack.deleteServer(lab.client, servers[0]!.id);
      await openstack.waitForServerGone(lab.client, servers[0]!.id);
      const groups = await lab.client.list(
        'network',
        '/security-groups',
        'security_groups',
        openstack.securityGroupSchema,
        { query: { name: `${prefix}muster-ag-test-db1` } },
      );
      const rule = groups[0]!.security_group_rules.find((r) => r.port_range_min === 5432)!;
      await openstack.securityGroupRules.delete(lab.client, rule.id);
      const p3 = await plan(v1);
      const changed = Object.fromEntries(
        p3.changes.filter((c) => c.action !== 'noop').map((c) => [c.address, [c.action, ...c.reasons]]),
      );
      assert.deepEqual(changed, {
        'openstack.server.muster-ag/test/web1': ['create', 'deleted outside Aare'],
        'openstack.secgroup.muster-ag/test/db1': ['update', 'changed outside Aare'],
      });
      await apply(p3);
      assert.equal(hasChanges(await plan(v1)), false);

      // a flavor change is a replace; a VM removed from the model is deleted
      const v2 = smallCloud(lab, { web1: { flavor: 'm1.small', ports: [80, 443] } });
      const p4 = await plan(v2);
      const actions = Object.fromEntries(
        p4.changes.filter((c) => c.action !== 'noop').map((c) => [c.address, c.action]),
      );
      assert.deepEqual(actions, {
        'openstack.server.muster-ag/test/web1': 'replace',
        'openstack.port.muster-ag/test/db1': 'delete',
        'openstack.secgroup.muster-ag/test/db1': 'delete',
        'openstack.server.muster-ag/test/db1': 'delete',
      });
      await apply(p4);
      const after = await listByPrefix(lab.client, prefix);
      assert.deepEqual(after.servers, [`${prefix}web1.test.muster-ag.cloud.example.ch`]);
      const web1 = (
        await openstack.listServers(lab.client, { allTenants: true, name: `^${prefix}web1` })
      )[0]!;
      assert.equal(web1.flavor?.original_name, 'm1.small');
      assert.equal(hasChanges(await plan(v2)), false);

      // destroy the customer, then the reseller's domain goes with a full plan of an empty model
      const projectId = (await openstack.listProjects(lab.client, { name: `${prefix}muster-ag` }))[0]!.id;
      await apply(await plan(v2, { customer: 'muster-ag' }, 'destroy'));
      const gone = await listByPrefix(lab.client, prefix);
      // nothing of the project is left in Neutron or Nova either (e.g. its `default` security group)
      // (listed unfiltered: a listing filtered by project makes Neutron create its default group)
      const mine = (x: { project_id?: string | undefined; tenant_id?: string | undefined }) =>
        (x.project_id ?? x.tenant_id) === projectId;
      const ofProject = await Promise.all([
        openstack.networks.list(lab.client).then((l) => l.filter(mine)),
        openstack.ports.list(lab.client).then((l) => l.filter(mine)),
        lab.client
          .list('network', '/security-groups', 'security_groups', openstack.securityGroupSchema)
          .then((l) => l.filter(mine)),
        openstack
          .listServers(lab.client, { allTenants: true })
          .then((l) => l.filter((x) => x.tenant_id === projectId)),
      ]);
      assert.deepEqual(
        ofProject.map((l) => l.length),
        [0, 0, 0, 0],
      );
      assert.deepEqual(
        { ...gone, domains: [] },
        {
          domains: [],
          projects: [],
          networks: [],
          subnets: [],
          routers: [],
          securityGroups: [],
          ports: [],
          servers: [],
        },
      );
      await apply(await plan({ ...v2, customers: [], vms: [] }));
      assert.deepEqual((await listByPrefix(lab.client, prefix)).domains, []);
    } finally {
      await store.close();
    }
  },
);
