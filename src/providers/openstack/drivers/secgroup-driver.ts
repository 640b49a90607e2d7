// Neutron security group: one per VM, holding the ingress rules its profiles' firewall declares.
import type { EngineDriver } from '../../../engine/index.js';
import type { Fields } from '../../field-diff.js';
import { securityGroupRules, securityGroups } from '../neutron-security-groups.js';
import type { SecurityGroup, SecurityGroupRule } from '../neutron-security-groups.js';
import { goneError, MANAGED_TAG, neutronDriver, securityGroupCollection } from './driver-support.js';
import type { DriverEnv } from './driver-support.js';

interface Rule {
  protocol: string;
  port: number;
  remoteCidr: string;
}

/** Only the rules Aare manages: IPv4 ingress from a CIDR (Neutron's default egress rules are not). */
const managed = (r: SecurityGroupRule) =>
  r.direction === 'ingress' && r.ethertype === 'IPv4' && r.remote_group_id === null;
const ruleOf = (r: SecurityGroupRule): Rule => ({
  protocol: r.protocol ?? 'any',
  port: r.port_range_min ?? 0,
  remoteCidr: r.remote_ip_prefix ?? '0.0.0.0/0',
});
const ruleKey = (r: Rule) => `${r.protocol}/${r.port}/${r.remoteCidr}`;

export function ruleOrder(a: Rule, b: Rule): number {
  return a.protocol.localeCompare(b.protocol) || a.port - b.port || a.remoteCidr.localeCompare(b.remoteCidr);
}

const stateOf = (g: SecurityGroup): Fields => ({
  id: g.id,
  name: g.name,
  projectId: g.project_id ?? g.tenant_id,
  rules: g.security_group_rules.filter(managed).map(ruleOf).sort(ruleOrder),
});

export function secgroupDriver(env: DriverEnv): EngineDriver<Fields, Fields> {
  const c = env.client;
  const syncRules = async (address: string, g: SecurityGroup, want: Rule[], signal: AbortSignal) => {
    const have = new Map<string, string>();
    for (const r of g.security_group_rules) if (managed(r)) have.set(ruleKey(ruleOf(r)), r.id);
    const wanted = new Set(want.map(ruleKey));
    for (const [k, id] of have) {
      if (!wanted.has(k)) await securityGroupRules.delete(c, id, { signal, address });
    }
    for (const r of want) {
      if (have.has(ruleKey(r))) continue;
      await securityGroupRules.create(
        c,
        {
          security_group_id: g.id,
          direction: 'ingress',
          ethertype: 'IPv4',
          protocol: r.protocol,
          port_range_min: r.port,
          port_range_max: r.port,
          remote_ip_prefix: r.remoteCidr,
          project_id: g.project_id ?? g.tenant_id,
        },
        { signal, address },
      );
    }
    const after = await securityGroups.get(c, g.id, { signal, address });
    if (!after) throw goneError(`security group ${g.id} disappeared`, address);
    return stateOf(after);
  };
  return neutronDriver(env, {
    kind: 'openstack.secgroup',
    coll: securityGroupCollection,
    state: stateOf,
    async create(address, d, signal) {
      const g = await securityGroups.create(
        c,
        { name: d.name, project_id: d.projectId, description: env.marker(address), tags: [MANAGED_TAG] },
        { signal, address },
      );
      return syncRules(address, g, d.rules as Rule[], signal);
    },
    async update(address, d, prior, signal) {
      let g = await securityGroups.get(c, String(prior.id), { signal, address });
      if (!g) throw goneError(`security group ${String(prior.id)} is gone`, address);
      if (g.name !== d.name) g = await securityGroups.update(c, g.id, { name: d.name }, { signal, address });
      return syncRules(address, g, d.rules as Rule[], signal);
    },
    rules: {
      name: {},
      projectId: { replace: 'a security group cannot move to another project' },
      rules: { set: true },
    },
  });
}
