import { createHash } from 'node:crypto';
import { ProviderError, openstack } from '../providers/index.js';
import type { EngineDriver, DriverSet } from './driver-types.js';
import type { DriverDiff } from './provider-contract.js';

type Client = openstack.OpenStackClient;

/**
 * The drivers for Aare's OpenStack resources, on the providers' client. Every object Aare creates
 * carries its Aare address (with the run's prefix) in `description` (Neutron, Keystone) or in the
 * `aare_address` metadata (Nova), set by the create call itself, so `list` finds a whole kind with
 * one request per kind and page, and `findByAddress` adopts what a killed apply created. The tag
 * `aare-managed` is for people and other tools only: Neutron applies tags in a step after the
 * create, which a dropped connection skips, so listings never filter on it.
 *
 * Desired shapes hold ids (refs are resolved by the engine); states are flattened to the same
 * field names plus `id`, so `diff` compares field by field.
 */
export interface OpenStackDriverOptions {
  client: Client;
  /** Prepended to names and address markers: '' in production, a unique one per test run. */
  prefix?: string;
}

export const MANAGED_TAG = 'aare-managed';

export type Fields = Record<string, unknown> & { id?: string };

interface FieldRule {
  /** Present: a change of this field cannot be made in place; the reason shown in the plan. */
  replace?: string;
  /** Compare order-insensitively (arrays of primitives or of objects). */
  set?: boolean;
}

/** Field-by-field diff of the desired fields against the state; fields not in `rules` are ignored. */
export function diffFields(desired: Fields, actual: Fields, rules: Record<string, FieldRule>): DriverDiff {
  const changes: DriverDiff['changes'] = [];
  const reasons: string[] = [];
  for (const [path, rule] of Object.entries(rules)) {
    if (!(path in desired)) continue;
    const norm = (v: unknown) =>
      rule.set && Array.isArray(v)
        ? JSON.stringify(v.map((x) => JSON.stringify(x)).sort())
        : JSON.stringify(v ?? null);
    if (norm(desired[path]) === norm(actual[path])) continue;
    changes.push({ path, before: actual[path], after: desired[path] });
    if (rule.replace) reasons.push(rule.replace);
  }
  return { changes, replace: reasons.length > 0, reasons };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The drivers of every OpenStack kind, sharing one client. */
export function openstackDrivers(opts: OpenStackDriverOptions): DriverSet {
  const prefix = opts.prefix ?? '';
  const c = opts.client;
  const marker = (address: string) => `${prefix}${address}`;
  const byMarker = <T>(
    items: T[],
    markOf: (t: T) => string | null | undefined,
    addresses: readonly string[],
  ) => {
    const wanted = new Map(addresses.map((a) => [marker(a), a]));
    const out = new Map<string, T>();
    for (const item of items) {
      const a = wanted.get(markOf(item) ?? '');
      if (a !== undefined && !out.has(a)) out.set(a, item);
    }
    return out;
  };
  const mapValues = <T, U>(m: Map<string, T>, f: (t: T) => U) => new Map([...m].map(([k, v]) => [k, f(v)]));
  // The client's generic list reads the collection's path as its JSON key, which for
  // security groups is `security_groups`, not `security-groups`: list them here directly.
  const securityGroupColl = {
    ...openstack.securityGroups,
    list: (cl: Client, query: openstack.Query, ctx: openstack.CallCtx) =>
      cl.list('network', '/security-groups', 'security_groups', openstack.securityGroupSchema, {
        query,
        ...ctx,
        what: 'list security groups',
      }),
  };
  const drivers: EngineDriver<Fields, Fields>[] = [];

  // ---------------------------------------------------------------- Keystone domain (reseller)
  const domainState = (d: openstack.Domain): Fields => ({ id: d.id, name: d.name, enabled: d.enabled });
  drivers.push({
    kind: 'openstack.domain',
    endpoint: 'keystone',
    async list({ addresses, signal }) {
      const all = await openstack.listDomains(c, {}, { signal });
      return mapValues(
        byMarker(all, (d) => d.description, addresses),
        domainState,
      );
    },
    async read({ prior, signal, address }) {
      const d = await openstack.getDomain(c, String(prior?.id), { signal, address });
      return d && domainState(d);
    },
    async findByAddress({ address, signal }) {
      return (await this.list!({ addresses: [address], signal })).get(address);
    },
    async create({ address, desired, signal }) {
      const d = await openstack.createDomain(
        c,
        { name: String(desired.name), description: marker(address), tags: [MANAGED_TAG] },
        { signal, address },
      );
      return domainState(d);
    },
    async update({ address, desired, prior, signal }) {
      const d = await openstack.updateDomain(
        c,
        String(prior.id),
        { name: String(desired.name), enabled: true },
        { signal, address },
      );
      return domainState(d);
    },
    async delete({ address, prior, signal }) {
      await openstack.deleteDomain(c, String(prior.id), { signal, address });
    },
    diff: (d, a) => diffFields(d, a, { name: {}, enabled: {} }),
  });

  // ---------------------------------------------------------------- Keystone project (customer)
  const projectState = (p: openstack.Project): Fields => ({ id: p.id, name: p.name, domainId: p.domain_id });
  drivers.push({
    kind: 'openstack.project',
    endpoint: 'keystone',
    async list({ addresses, signal }) {
      const all = await openstack.listProjects(c, {}, { signal });
      return mapValues(
        byMarker(all, (p) => p.description, addresses),
        projectState,
      );
    },
    async read({ prior, signal, address }) {
      const p = await openstack.getProject(c, String(prior?.id), { signal, address });
      return p && projectState(p);
    },
    async findByAddress({ address, signal }) {
      return (await this.list!({ addresses: [address], signal })).get(address);
    },
    async create({ address, desired, signal }) {
      const p = await openstack.createProject(
        c,
        {
          name: String(desired.name),
          domainId: String(desired.domainId),
          description: marker(address),
          tags: [MANAGED_TAG],
        },
        { signal, address },
      );
      return projectState(p);
    },
    async update({ address, desired, prior, signal }) {
      const p = await openstack.updateProject(
        c,
        String(prior.id),
        { name: String(desired.name) },
        { signal, address },
      );
      return projectState(p);
    },
    async delete({ address, prior, signal }) {
      // Neutron makes a `default` security group for every project it sees; it outlives the
      // Keystone project unless deleted here, and would be left behind as an orphan. Listed
      // without a project filter: a filtered listing makes Neutron create the default group anew.
      const id = String(prior.id);
      const groups = (await securityGroupColl.list(c, {}, { signal, address })).filter(
        (g) => (g.project_id ?? g.tenant_id) === id,
      );
      for (const g of groups) await openstack.securityGroups.delete(c, g.id, { signal, address });
      await openstack.deleteProject(c, String(prior.id), { signal, address });
    },
    diff: (d, a) =>
      diffFields(d, a, { name: {}, domainId: { replace: 'a project cannot move to another domain' } }),
  });

  // ---------------------------------------------------------------- Neutron kinds
  const neutronKind = <T extends { id: string; description?: string | null | undefined }>(spec: {
    kind: string;
    coll: {
      list: (cl: Client, q: openstack.Query, ctx: openstack.CallCtx) => Promise<T[]>;
      get: (cl: Client, id: string, ctx: openstack.CallCtx) => Promise<T | undefined>;
      delete: (cl: Client, id: string, ctx: openstack.CallCtx) => Promise<boolean>;
    };
    state: (t: T, extra?: unknown) => Fields;
    /** Data every list needs besides the objects (e.g. router interfaces), fetched once per list. */
    extra?: (signal: AbortSignal) => Promise<unknown>;
    create: (address: string, desired: Fields, signal: AbortSignal) => Promise<Fields>;
    update: (address: string, desired: Fields, prior: Fields, signal: AbortSignal) => Promise<Fields>;
    beforeDelete?: (prior: Fields, signal: AbortSignal, address: string) => Promise<void>;
    rules: Record<string, FieldRule>;
  }): EngineDriver<Fields, Fields> => ({
    kind: spec.kind,
    endpoint: 'neutron',
    async list({ addresses, signal }) {
      const [all, extra] = await Promise.all([spec.coll.list(c, {}, { signal }), spec.extra?.(signal)]);
      return mapValues(
        byMarker(all, (x) => x.description, addresses),
        (x) => spec.state(x, extra),
      );
    },
    async read({ prior, signal, address }) {
      const [x, extra] = await Promise.all([
        spec.coll.get(c, String(prior?.id), { signal, address }),
        spec.extra?.(signal),
      ]);
      return x && spec.state(x, extra);
    },
    async findByAddress({ address, signal }) {
      return (await this.list!({ addresses: [address], signal })).get(address);
    },
    create: ({ address, desired, signal }) => spec.create(address, desired, signal),
    update: ({ address, desired, prior, signal }) => spec.update(address, desired, prior, signal),
    async delete({ address, prior, signal }) {
      await spec.beforeDelete?.(prior, signal, address);
      await spec.coll.delete(c, String(prior.id), { signal, address });
    },
    diff: (d, a) => diffFields(d, a, spec.rules),
  });
  drivers.push(
    neutronKind({
      kind: 'openstack.network',
      coll: openstack.networks,
      state: (n) => ({ id: n.id, name: n.name, projectId: n.project_id ?? n.tenant_id }),
      async create(address, d, signal) {
        const n = await openstack.networks.create(
          c,
          { name: d.name, project_id: d.projectId, description: marker(address), tags: [MANAGED_TAG] },
          { signal, address },
        );
        return { id: n.id, name: n.name, projectId: d.projectId };
      },
      async update(address, d, prior, signal) {
        const n = await openstack.networks.update(c, String(prior.id), { name: d.name }, { signal, address });
        return { id: n.id, name: n.name, projectId: n.project_id ?? prior.projectId };
      },
      rules: { name: {}, projectId: { replace: 'a network cannot move to another project' } },
    }),
  );

  const subnetState = (s: openstack.Subnet): Fields => ({
    id: s.id,
    name: s.name,
    networkId: s.network_id,
    projectId: s.project_id ?? s.tenant_id,
    cidr: s.cidr,
  });
  drivers.push(
    neutronKind({
      kind: 'openstack.subnet',
      coll: openstack.subnets,
      state: subnetState,
      async create(address, d, signal) {
        const s = await openstack.subnets.create(
          c,
          {
            name: d.name,
            network_id: d.networkId,
            project_id: d.projectId,
            cidr: d.cidr,
            ip_version: 4,
            enable_dhcp: true,
            description: marker(address),
            tags: [MANAGED_TAG],
          },
          { signal, address },
        );
        return subnetState(s);
      },
      async update(address, d, prior, signal) {
        return subnetState(
          await openstack.subnets.update(c, String(prior.id), { name: d.name }, { signal, address }),
        );
      },
      rules: {
        name: {},
        cidr: { replace: 'a subnet CIDR cannot change in place' },
        networkId: { replace: 'a subnet cannot move to another network' },
        projectId: { replace: 'a subnet cannot move to another project' },
      },
    }),
  );

  type Ifaces = Map<string, string[]>;
  const routerState = (r: openstack.Router, extra?: unknown): Fields => ({
    id: r.id,
    name: r.name,
    projectId: r.project_id ?? r.tenant_id,
    externalNetworkId: r.external_gateway_info?.network_id ?? null,
    subnetIds: [...((extra as Ifaces | undefined)?.get(r.id) ?? [])].sort(),
  });
  const routerInterfaces = async (signal: AbortSignal): Promise<Ifaces> => {
    const ps = await openstack.ports.list(c, { device_owner: 'network:router_interface' }, { signal });
    const out: Ifaces = new Map();
    for (const p of ps)
      out.set(p.device_id, [...(out.get(p.device_id) ?? []), ...p.fixed_ips.map((f) => f.subnet_id)]);
    return out;
  };
  const syncRouter = async (address: string, id: string, d: Fields, prior: Fields, signal: AbortSignal) => {
    const ctx = { signal, address };
    if ((prior.externalNetworkId ?? null) !== (d.externalNetworkId ?? null)) {
      await openstack.setRouterGateway(c, id, (d.externalNetworkId as string | null) ?? null, ctx);
    }
    const want = new Set((d.subnetIds as string[]) ?? []);
    const have = new Set((prior.subnetIds as string[]) ?? []);
    for (const s of have) if (!want.has(s)) await openstack.removeRouterInterface(c, id, s, ctx);
    for (const s of want) if (!have.has(s)) await openstack.addRouterInterface(c, id, s, ctx);
    const r = await openstack.routers.get(c, id, ctx);
    if (!r)
      throw new ProviderError({
        code: 'OPENSTACK_NOT_FOUND',
        status: 404,
        message: `router ${id} disappeared`,
        address,
      });
    return routerState(r, new Map([[id, [...want]]]));
  };
  drivers.push(
    neutronKind({
      kind: 'openstack.router',
      coll: openstack.routers,
      state: routerState,
      extra: routerInterfaces,
      async create(address, d, signal) {
        const r = await openstack.routers.create(
          c,
          { name: d.name, project_id: d.projectId, description: marker(address), tags: [MANAGED_TAG] },
          { signal, address },
        );
        return syncRouter(address, r.id, d, { externalNetworkId: null, subnetIds: [] }, signal);
      },
      async update(address, d, prior, signal) {
        if (d.name !== prior.name)
          await openstack.routers.update(c, String(prior.id), { name: d.name }, { signal, address });
        return syncRouter(address, String(prior.id), d, prior, signal);
      },
      async beforeDelete(prior, signal, address) {
        const id = String(prior.id);
        for (const i of await openstack.listRouterInterfaces(c, id, { signal, address })) {
          await openstack.removeRouterInterface(c, id, i.subnet_id, { signal, address });
        }
      },
      rules: {
        name: {},
        projectId: { replace: 'a router cannot move to another project' },
        externalNetworkId: {},
        subnetIds: { set: true },
      },
    }),
  );

  type Rule = { protocol: string; port: number; remoteCidr: string };
  const ingressRules = (g: openstack.SecurityGroup): Rule[] =>
    g.security_group_rules
      .filter((r) => r.direction === 'ingress' && r.ethertype === 'IPv4' && r.remote_group_id === null)
      .map((r) => ({
        protocol: r.protocol ?? 'any',
        port: r.port_range_min ?? 0,
        remoteCidr: r.remote_ip_prefix ?? '0.0.0.0/0',
      }))
      .sort(ruleOrder);
  const sgState = (g: openstack.SecurityGroup): Fields => ({
    id: g.id,
    name: g.name,
    projectId: g.project_id ?? g.tenant_id,
    rules: ingressRules(g),
  });
  const syncRules = async (
    address: string,
    g: openstack.SecurityGroup,
    want: Rule[],
    signal: AbortSignal,
  ) => {
    const key = (r: Rule) => `${r.protocol}/${r.port}/${r.remoteCidr}`;
    const have = new Map<string, string>();
    for (const r of g.security_group_rules) {
      if (r.direction !== 'ingress' || r.ethertype !== 'IPv4' || r.remote_group_id !== null) continue;
      have.set(
        key({
          protocol: r.protocol ?? 'any',
          port: r.port_range_min ?? 0,
          remoteCidr: r.remote_ip_prefix ?? '0.0.0.0/0',
        }),
        r.id,
      );
    }
    const wanted = new Set(want.map(key));
    for (const [k, id] of have) {
      if (!wanted.has(k)) await openstack.securityGroupRules.delete(c, id, { signal, address });
    }
    for (const r of want) {
      if (have.has(key(r))) continue;
      await openstack.securityGroupRules.create(
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
    const after = await openstack.securityGroups.get(c, g.id, { signal, address });
    if (!after)
      throw new ProviderError({
        code: 'OPENSTACK_NOT_FOUND',
        status: 404,
        message: `security group ${g.id} disappeared`,
        address,
      });
    return sgState(after);
  };
  drivers.push(
    neutronKind({
      kind: 'openstack.secgroup',
      coll: securityGroupColl,
      state: sgState,
      async create(address, d, signal) {
        const g = await openstack.securityGroups.create(
          c,
          { name: d.name, project_id: d.projectId, description: marker(address), tags: [MANAGED_TAG] },
          { signal, address },
        );
        return syncRules(address, g, d.rules as Rule[], signal);
      },
      async update(address, d, prior, signal) {
        let g = await openstack.securityGroups.get(c, String(prior.id), { signal, address });
        if (!g)
          throw new ProviderError({
            code: 'OPENSTACK_NOT_FOUND',
            status: 404,
            message: `security group ${String(prior.id)} is gone`,
            address,
          });
        if (g.name !== d.name)
          g = await openstack.securityGroups.update(c, g.id, { name: d.name }, { signal, address });
        return syncRules(address, g, d.rules as Rule[], signal);
      },
      rules: {
        name: {},
        projectId: { replace: 'a security group cannot move to another project' },
        rules: { set: true },
      },
    }),
  );

  const portState = (p: openstack.Port): Fields => ({
    id: p.id,
    name: p.name,
    projectId: p.project_id ?? p.tenant_id,
    networkId: p.network_id,
    subnetId: p.fixed_ips[0]?.subnet_id ?? null,
    ip: p.fixed_ips[0]?.ip_address ?? null,
    securityGroupIds: [...p.security_groups].sort(),
  });
  drivers.push(
    neutronKind({
      kind: 'openstack.port',
      coll: openstack.ports,
      state: portState,
      async create(address, d, signal) {
        const p = await openstack.ports.create(
          c,
          {
            name: d.name,
            project_id: d.projectId,
            network_id: d.networkId,
            fixed_ips: [{ subnet_id: d.subnetId, ip_address: d.ip }],
            security_groups: d.securityGroupIds,
            description: marker(address),
            tags: [MANAGED_TAG],
          },
          { signal, address },
        );
        return portState(p);
      },
      async update(address, d, prior, signal) {
        const p = await openstack.ports.update(
          c,
          String(prior.id),
          { name: d.name, security_groups: d.securityGroupIds },
          { signal, address },
        );
        return portState(p);
      },
      rules: {
        name: {},
        securityGroupIds: { set: true },
        ip: { replace: 'a fixed IP cannot change in place' },
        networkId: { replace: 'a port cannot move to another network' },
        subnetId: { replace: 'a port cannot move to another subnet' },
        projectId: { replace: 'a port cannot move to another project' },
      },
    }),
  );

  // ---------------------------------------------------------------- Nova server
  const scoped = new Map<string, Promise<Client>>();
  const inProject = (projectId: string, signal: AbortSignal) => {
    let p = scoped.get(projectId);
    if (!p) {
      p = openstack.actInProject(c, projectId, { signal });
      p.catch(() => scoped.delete(projectId));
      scoped.set(projectId, p);
    }
    return p;
  };
  const serverState = (s: openstack.Server, prior?: Fields): Fields => {
    const ud = s['OS-EXT-SRV-ATTR:user_data'];
    return {
      id: s.id,
      name: s.name,
      projectId: s.tenant_id,
      flavor: s.flavor?.original_name ?? prior?.flavor ?? null,
      imageId: typeof s.image === 'object' ? s.image.id : null,
      userDataSha256: ud
        ? sha256(Buffer.from(ud, 'base64').toString('utf8'))
        : ud === undefined
          ? (prior?.userDataSha256 ?? null)
          : null,
      metadata: s.metadata,
      portId: prior?.portId ?? null,
      status: s.status,
    };
  };
  const flavors = new Map<string, Promise<openstack.Flavor[]>>();
  const flavorId = async (name: string, signal: AbortSignal, address: string) => {
    let all = flavors.get('all');
    if (!all) {
      all = openstack.listFlavors(c, { signal });
      all.catch(() => flavors.delete('all'));
      flavors.set('all', all);
    }
    const f = (await all).find((x) => x.name === name || x.id === name);
    if (!f)
      throw new ProviderError({
        code: 'OPENSTACK_NOT_FOUND',
        status: 404,
        message: `Nova has no flavor '${name}'`,
        address,
      });
    return f.id;
  };
  drivers.push({
    kind: 'openstack.server',
    endpoint: 'nova',
    async list({ addresses, signal }) {
      const all = await openstack.listServers(c, { allTenants: true }, { signal });
      return mapValues(
        byMarker(all, (s) => s.metadata.aare_address, addresses),
        (s) => serverState(s),
      );
    },
    async read({ prior, signal, address }) {
      const s = await openstack.getServer(c, String(prior?.id), { signal, address });
      return s && serverState(s, prior);
    },
    async findByAddress({ address, signal }) {
      return (await this.list!({ addresses: [address], signal })).get(address);
    },
    async create({ address, desired: d, signal }) {
      const ctx = { signal, address };
      const scopedClient = await inProject(String(d.projectId), signal);
      const id = await openstack.createServer(
        scopedClient,
        {
          name: String(d.name),
          imageRef: String(d.imageId),
          flavorRef: await flavorId(String(d.flavor), signal, address),
          networks: [{ port: String(d.portId) }],
          userData: String(d.userData ?? ''),
          metadata: { ...(d.metadata as Record<string, string>), aare_address: marker(address) },
          tags: [MANAGED_TAG],
        },
        ctx,
      );
      try {
        const s = await openstack.waitForServer(c, id, 'ACTIVE', { ...ctx, timeoutMs: 120_000 });
        return { ...serverState(s), portId: d.portId };
      } catch (err) {
        if (err instanceof ProviderError && err.partialState) {
          err.partialState = { ...serverState(err.partialState as openstack.Server), portId: d.portId };
        }
        throw err;
      }
    },
    async update({ address, desired: d, prior, signal }) {
      const ctx = { signal, address };
      const id = String(prior.id);
      if (d.name !== prior.name) await openstack.updateServerName(c, id, String(d.name), ctx);
      await openstack.setServerMetadata(
        c,
        id,
        { ...(d.metadata as Record<string, string>), aare_address: marker(address) },
        ctx,
      );
      const s = await openstack.getServer(c, id, ctx);
      if (!s)
        throw new ProviderError({
          code: 'OPENSTACK_NOT_FOUND',
          status: 404,
          message: `server ${id} is gone`,
          address,
        });
      return serverState(s, prior);
    },
    async delete({ address, prior, signal }) {
      const ctx = { signal, address };
      await openstack.deleteServer(c, String(prior.id), ctx);
      await openstack.waitForServerGone(c, String(prior.id), { ...ctx, timeoutMs: 120_000 });
    },
    diff(d, a) {
      return diffFields(
        {
          name: d.name,
          flavor: d.flavor,
          imageId: d.imageId,
          userDataSha256: d.userDataSha256,
          metadata: d.metadata,
        },
        { ...a, metadata: withoutMarker(a.metadata) },
        {
          name: {},
          metadata: {},
          flavor: {
            replace: 'the flavor changes: the server is rebuilt on the new flavor (no in-place resize)',
          },
          imageId: { replace: 'the image (pinned by ID) changes: the server must be rebuilt' },
          userDataSha256: { replace: 'user-data is create-only: the server must be rebuilt to apply it' },
        },
      );
    },
  });

  return new Map(drivers.map((d) => [d.kind, d as EngineDriver]));
}

function withoutMarker(metadata: unknown): Record<string, string> {
  const { aare_address: _a, ...rest } = (metadata ?? {}) as Record<string, string>;
  return rest;
}

function ruleOrder(a: { protocol: string; port: number; remoteCidr: string }, b: typeof a): number {
  return a.protocol.localeCompare(b.protocol) || a.port - b.port || a.remoteCidr.localeCompare(b.remoteCidr);
}
