// Neutron network: one per customer environment.
import type { EngineDriver } from '../../../engine/index.js';
import type { Fields } from '../../field-diff.js';
import { networks } from '../neutron-networks.js';
import { MANAGED_TAG, neutronDriver } from './driver-support.js';
import type { DriverEnv } from './driver-support.js';

export function networkDriver(env: DriverEnv): EngineDriver<Fields, Fields> {
  const c = env.client;
  return neutronDriver(env, {
    kind: 'openstack.network',
    coll: networks,
    state: (n) => ({ id: n.id, name: n.name, projectId: n.project_id ?? n.tenant_id }),
    async create(address, d, signal) {
      const n = await networks.create(
        c,
        { name: d.name, project_id: d.projectId, description: env.marker(address), tags: [MANAGED_TAG] },
        { signal, address },
      );
      return { id: n.id, name: n.name, projectId: d.projectId };
    },
    async update(address, d, prior, signal) {
      const n = await networks.update(c, String(prior.id), { name: d.name }, { signal, address });
      return { id: n.id, name: n.name, projectId: n.project_id ?? prior.projectId };
    },
    rules: { name: {}, projectId: { replace: 'a network cannot move to another project' } },
  });
}
