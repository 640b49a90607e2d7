// Neutron port: one per VM, with its fixed IP and its security group.
import type { EngineDriver } from '../../../engine/index.js';
import type { Fields } from '../../field-diff.js';
import { ports } from '../neutron-ports.js';
import type { Port } from '../neutron-ports.js';
import { MANAGED_TAG, neutronDriver } from './driver-support.js';
import type { DriverEnv } from './driver-support.js';

const stateOf = (p: Port): Fields => ({
  id: p.id,
  name: p.name,
  projectId: p.project_id ?? p.tenant_id,
  networkId: p.network_id,
  subnetId: p.fixed_ips[0]?.subnet_id ?? null,
  ip: p.fixed_ips[0]?.ip_address ?? null,
  securityGroupIds: [...p.security_groups].sort(),
});

export function portDriver(env: DriverEnv): EngineDriver<Fields, Fields> {
  const c = env.client;
  return neutronDriver(env, {
    kind: 'openstack.port',
    coll: ports,
    state: stateOf,
    async create(address, d, signal) {
      const p = await ports.create(
        c,
        {
          name: d.name,
          project_id: d.projectId,
          network_id: d.networkId,
          fixed_ips: [{ subnet_id: d.subnetId, ip_address: d.ip }],
          security_groups: d.securityGroupIds,
          description: env.marker(address),
          tags: [MANAGED_TAG],
        },
        { signal, address },
      );
      return stateOf(p);
    },
    async update(address, d, prior, signal) {
      const p = await ports.update(
        c,
        String(prior.id),
        { name: d.name, security_groups: d.securityGroupIds },
        { signal, address },
      );
      return stateOf(p);
    },
    rules: {
      name: {},
      securityGroupIds: { set: true },
      ip: { replace: 'a fixed IP cannot change in place' },
      networkId: { replace: 'a port cannot move to another network' },
      subnetId: { replace: 'a port cannot move to another subnet' },
      projectId: { replace: 'a port cannot move to another project' },
    },
  });
}
