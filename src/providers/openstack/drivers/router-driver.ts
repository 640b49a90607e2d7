// Neutron router: one per customer environment, with the external gateway (when the provider has
// one) and an interface on the environment's subnet.
import type { EngineDriver } from '../../../engine/index.js';
import type { Fields } from '../../field-diff.js';
import { ports } from '../neutron-ports.js';
import {
  addRouterInterface,
  listRouterInterfaces,
  removeRouterInterface,
  routers,
  setRouterGateway,
} from '../neutron-routers.js';
import type { Router } from '../neutron-routers.js';
import { goneError, MANAGED_TAG, neutronDriver } from './driver-support.js';
import type { DriverEnv } from './driver-support.js';

/** Subnet ids of each router's interfaces, by router id. */
type Interfaces = Map<string, string[]>;

const stateOf = (r: Router, extra?: unknown): Fields => ({
  id: r.id,
  name: r.name,
  projectId: r.project_id ?? r.tenant_id,
  externalNetworkId: r.external_gateway_info?.network_id ?? null,
  subnetIds: [...((extra as Interfaces | undefined)?.get(r.id) ?? [])].sort(),
});

export function routerDriver(env: DriverEnv): EngineDriver<Fields, Fields> {
  const c = env.client;
  const interfaces = async (signal: AbortSignal): Promise<Interfaces> => {
    const ps = await ports.list(c, { device_owner: 'network:router_interface' }, { signal });
    const out: Interfaces = new Map();
    for (const p of ps)
      out.set(p.device_id, [...(out.get(p.device_id) ?? []), ...p.fixed_ips.map((f) => f.subnet_id)]);
    return out;
  };
  const sync = async (address: string, id: string, d: Fields, prior: Fields, signal: AbortSignal) => {
    const ctx = { signal, address };
    if ((prior.externalNetworkId ?? null) !== (d.externalNetworkId ?? null)) {
      await setRouterGateway(c, id, (d.externalNetworkId as string | null) ?? null, ctx);
    }
    const want = new Set((d.subnetIds as string[]) ?? []);
    const have = new Set((prior.subnetIds as string[]) ?? []);
    for (const s of have) if (!want.has(s)) await removeRouterInterface(c, id, s, ctx);
    for (const s of want) if (!have.has(s)) await addRouterInterface(c, id, s, ctx);
    const r = await routers.get(c, id, ctx);
    if (!r) throw goneError(`router ${id} disappeared`, address);
    return stateOf(r, new Map([[id, [...want]]]));
  };
  return neutronDriver(env, {
    kind: 'openstack.router',
    coll: routers,
    state: stateOf,
    extra: interfaces,
    async create(address, d, signal) {
      const r = await routers.create(
        c,
        { name: d.name, project_id: d.projectId, description: env.marker(address), tags: [MANAGED_TAG] },
        { signal, address },
      );
      return sync(address, r.id, d, { externalNetworkId: null, subnetIds: [] }, signal);
    },
    async update(address, d, prior, signal) {
      if (d.name !== prior.name)
        await routers.update(c, String(prior.id), { name: d.name }, { signal, address });
      return sync(address, String(prior.id), d, prior, signal);
    },
    async beforeDelete(prior, signal, address) {
      const id = String(prior.id);
      for (const i of await listRouterInterfaces(c, id, { signal, address })) {
        await removeRouterInterface(c, id, i.subnet_id, { signal, address });
      }
    },
    rules: {
      name: {},
      projectId: { replace: 'a router cannot move to another project' },
      externalNetworkId: {},
      subnetIds: { set: true },
    },
  });
}
