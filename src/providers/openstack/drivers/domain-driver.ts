// Keystone domain: one per reseller.
import type { EngineDriver } from '../../../engine/index.js';
import { diffFields } from '../../field-diff.js';
import type { Fields } from '../../field-diff.js';
import { createDomain, deleteDomain, getDomain, listDomains, updateDomain } from '../keystone-projects.js';
import type { Domain } from '../keystone-projects.js';
import { MANAGED_TAG, mapValues } from './driver-support.js';
import type { DriverEnv } from './driver-support.js';

const stateOf = (d: Domain): Fields => ({ id: d.id, name: d.name, enabled: d.enabled });

export function domainDriver(env: DriverEnv): EngineDriver<Fields, Fields> {
  const c = env.client;
  return {
    kind: 'openstack.domain',
    endpoint: 'keystone',
    async list({ addresses, signal }) {
      const all = await listDomains(c, {}, { signal });
      return mapValues(
        env.byMarker(all, (d) => d.description, addresses),
        stateOf,
      );
    },
    async read({ prior, signal, address }) {
      const d = await getDomain(c, String(prior?.id), { signal, address });
      return d && stateOf(d);
    },
    async findByAddress({ address, signal }) {
      return (await this.list!({ addresses: [address], signal })).get(address);
    },
    async create({ address, desired, signal }) {
      const d = await createDomain(
        c,
        { name: String(desired.name), description: env.marker(address), tags: [MANAGED_TAG] },
        { signal, address },
      );
      return stateOf(d);
    },
    async update({ address, desired, prior, signal }) {
      const d = await updateDomain(
        c,
        String(prior.id),
        { name: String(desired.name), enabled: true },
        { signal, address },
      );
      return stateOf(d);
    },
    async delete({ address, prior, signal }) {
      await deleteDomain(c, String(prior.id), { signal, address });
    },
    diff: (d, a) => diffFields(d, a, { name: {}, enabled: {} }),
  };
}
