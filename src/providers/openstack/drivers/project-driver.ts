// Keystone project: one per customer, in its reseller's domain.
import type { EngineDriver } from '../../../engine/index.js';
import { diffFields } from '../../field-diff.js';
import type { Fields } from '../../field-diff.js';
import {
  createProject,
  deleteProject,
  getProject,
  listProjects,
  updateProject,
} from '../keystone-projects.js';
import type { Project } from '../keystone-projects.js';
import { securityGroups } from '../neutron-security-groups.js';
import { MANAGED_TAG, mapValues, securityGroupCollection } from './driver-support.js';
import type { DriverEnv } from './driver-support.js';

const stateOf = (p: Project): Fields => ({ id: p.id, name: p.name, domainId: p.domain_id });

export function projectDriver(env: DriverEnv): EngineDriver<Fields, Fields> {
  const c = env.client;
  return {
    kind: 'openstack.project',
    endpoint: 'keystone',
    async list({ addresses, signal }) {
      const all = await listProjects(c, {}, { signal });
      return mapValues(
        env.byMarker(all, (p) => p.description, addresses),
        stateOf,
      );
    },
    async read({ prior, signal, address }) {
      const p = await getProject(c, String(prior?.id), { signal, address });
      return p && stateOf(p);
    },
    async findByAddress({ address, signal }) {
      return (await this.list!({ addresses: [address], signal })).get(address);
    },
    async create({ address, desired, signal }) {
      const p = await createProject(
        c,
        {
          name: String(desired.name),
          domainId: String(desired.domainId),
          description: env.marker(address),
          tags: [MANAGED_TAG],
        },
        { signal, address },
      );
      return stateOf(p);
    },
    async update({ address, desired, prior, signal }) {
      const p = await updateProject(c, String(prior.id), { name: String(desired.name) }, { signal, address });
      return stateOf(p);
    },
    async delete({ address, prior, signal }) {
      // Neutron makes a `default` security group for every project it sees; it outlives the
      // Keystone project unless deleted here, and would be left behind as an orphan. Listed
      // without a project filter: a filtered listing makes Neutron create the default group anew.
      const id = String(prior.id);
      const groups = (await securityGroupCollection.list(c, {}, { signal, address })).filter(
        (g) => (g.project_id ?? g.tenant_id) === id,
      );
      for (const g of groups) await securityGroups.delete(c, g.id, { signal, address });
      await deleteProject(c, String(prior.id), { signal, address });
    },
    diff: (d, a) =>
      diffFields(d, a, { name: {}, domainId: { replace: 'a project cannot move to another domain' } }),
  };
}
