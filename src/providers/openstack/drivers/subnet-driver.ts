// Neutron subnet: the customer environment's CIDR, on its network.
import type { EngineDriver } from '../../../engine/index.js';
import type { Fields } from '../../field-diff.js';
import { subnets } from '../neutron-networks.js';
import type { Subnet } from '../neutron-networks.js';
import { MANAGED_TAG, neutronDriver } from './driver-support.js';
import type { DriverEnv } from './driver-support.js';

const stateOf = (s: Subnet): Fields => ({
  id: s.id,
  name: s.name,
  networkId: s.network_id,
  projectId: s.project_id ?? s.tenant_id,
  cidr: s.cidr,
});

export function subnetDriver(env: DriverEnv): EngineDriver<Fields, Fields> {
  const c = env.client;
  return neutronDriver(env, {
    kind: 'openstack.subnet',
    coll: subnets,
    state: stateOf,
    async create(address, d, signal) {
      const s = await subnets.create(
        c,
        {
          name: d.name,
          network_id: d.networkId,
          project_id: d.projectId,
          cidr: d.cidr,
          ip_version: 4,
          enable_dhcp: true,
          description: env.marker(address),
          tags: [MANAGED_TAG],
        },
        { signal, address },
      );
      return stateOf(s);
    },
    async update(address, d, prior, signal) {
      return stateOf(await subnets.update(c, String(prior.id), { name: d.name }, { signal, address }));
    },
    rules: {
      name: {},
      cidr: { replace: 'a subnet CIDR cannot change in place' },
      networkId: { replace: 'a subnet cannot move to another network' },
      projectId: { replace: 'a subnet cannot move to another project' },
    },
  });
}
