import { join } from 'node:path';
import { DiagnosticsError, error, hasErrors } from '../diag/index.js';
import type { Diagnostic, Result } from '../diag/index.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/index.js';
import { loadControlRepo } from '../model/index.js';
import type { ControlRepo, Vm } from '../model/index.js';
import { loadHiera } from '../hiera/index.js';
import { compileVm, createCompileContext } from '../compile/index.js';
import { openstack } from '../providers/index.js';
import type { DesiredResource } from './desired-resource.js';
import type { EngineContext } from './engine-context.js';
import { EngineState } from './engine-state.js';
import { openstackDrivers } from './openstack-drivers.js';
import { openstackResources } from './openstack-mapping.js';
import type { CloudInput, VmInput } from './openstack-mapping.js';
import type { EventSink, PlanFilter } from './plan-types.js';

/**
 * One engine run over a control repository: the model, the store (SQLite in `<repo>/.aare/` or
 * PostgreSQL at AARE_DATABASE_URL), the OpenStack client and drivers. The composition root the
 * CLI (and later the server) use; it opens things and computes desired resources, and prints nothing.
 */
export interface EngineSession {
  repo: ControlRepo;
  store: Store;
  ctx: EngineContext;
  client: openstack.OpenStackClient;
  /** The desired resources of what `filter` covers, with the VMs compiled. */
  desired(filter: PlanFilter): Promise<Result<DesiredResource[]>>;
  close(): Promise<void>;
}

export interface SessionOptions {
  repoDir: string;
  env?: NodeJS.ProcessEnv;
  onEvent?: EventSink;
  signal?: AbortSignal;
  /** A transport for the OpenStack client (benches count requests, fault tests inject faults). */
  transport?: openstack.HttpTransport;
}

/** Concurrent calls per endpoint during refresh and apply. */
export const DEFAULT_LIMITS = { keystone: 2, neutron: 4, nova: 4 } as const;

/** Opens a session; a broken control repository or cloud configuration throws DiagnosticsError. */
export async function openEngineSession(opts: SessionOptions): Promise<EngineSession> {
  const env = opts.env ?? process.env;
  const loaded = loadControlRepo(opts.repoDir);
  if (hasErrors(loaded.diagnostics)) throw new DiagnosticsError(loaded.diagnostics);
  const repo = loaded.value;
  const client = openstack.openStackClientFromEnv({
    cloud: env.OS_CLOUD ?? repo.provider.endpoints.openstack.cloud,
    env,
    ...(opts.transport ? { transport: opts.transport } : {}),
  });
  const databaseUrl = env.AARE_DATABASE_URL;
  const store = await openStore(
    databaseUrl ? { databaseUrl } : { sqlitePath: join(repo.root, '.aare', 'state.db') },
  );
  const prefix = env.AARE_OPENSTACK_PREFIX ?? '';
  const ctx: EngineContext = {
    store,
    drivers: openstackDrivers({ client, prefix }),
    limits: DEFAULT_LIMITS,
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  return {
    repo,
    store,
    ctx,
    client,
    desired: (filter) => desiredResources(repo, client, store, filter, prefix, env, opts.signal),
    close: () => store.close(),
  };
}

async function desiredResources(
  repo: ControlRepo,
  client: openstack.OpenStackClient,
  store: Store,
  filter: PlanFilter,
  prefix: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal | undefined,
): Promise<Result<DesiredResource[]>> {
  const diagnostics: Diagnostic[] = [];
  const customer = filter.customer ? repo.customers.get(filter.customer) : undefined;
  if (filter.customer && !customer) {
    return {
      value: [],
      diagnostics: [
        error('NOT_FOUND', `no customer ${filter.customer} in the control repository`, { field: 'customer' }),
      ],
    };
  }
  if (customer && filter.env && !customer.environments.has(filter.env)) {
    const known = [...customer.environments.keys()].join(', ');
    return {
      value: [],
      diagnostics: [
        error('NOT_FOUND', `customer ${customer.name} has no environment ${filter.env} (it has ${known})`, {
          field: 'env',
        }),
      ],
    };
  }
  const inScope = (c: string, e?: string) =>
    (!filter.customer || filter.customer === c) && (!filter.env || e === undefined || filter.env === e);
  const vms = repo.vms.filter((v) => inScope(v.customer, v.environment));

  const hiera = loadHiera(repo.hieraConfigFile);
  diagnostics.push(...hiera.diagnostics);
  if (hasErrors(hiera.diagnostics)) return { value: [], diagnostics };
  const compileCtx = createCompileContext(repo, hiera.value);
  const images = await imageIds(client, repo, vms, signal, diagnostics);
  const externalName = env.AARE_EXTERNAL_NETWORK;
  let externalNetworkId: string | undefined;
  if (externalName) {
    externalNetworkId = (
      await openstack.networks.list(
        client,
        { name: externalName, 'router:external': true },
        signal ? { signal } : {},
      )
    )[0]?.id;
    if (!externalNetworkId)
      diagnostics.push(
        error('NOT_FOUND', `no external network ${externalName} in OpenStack`, {
          field: 'AARE_EXTERNAL_NETWORK',
        }),
      );
  }
  const vmInputs: VmInput[] = [];
  for (const vm of vms) {
    const compiled = compileVm(compileCtx, vm);
    diagnostics.push(...compiled.diagnostics);
    const imageId = images.get(vm.image);
    if (!compiled.value || !imageId) continue;
    vmInputs.push({
      address: vm.address,
      customer: vm.customer,
      environment: vm.environment,
      name: vm.name,
      fqdn: vm.fqdn,
      flavor: vm.flavor,
      imageId,
      userData: compiled.value.userData,
      rules: compiled.value.desired.securityGroupRules.map((r) => ({
        protocol: r.protocol,
        port: r.port,
        remoteCidr: r.remoteCidr,
      })),
      source: vm.source,
    });
  }
  if (hasErrors(diagnostics)) return { value: [], diagnostics };
  const customers = [...repo.customers.values()].filter((c) => inScope(c.name));
  const input: CloudInput = {
    prefix,
    ...(externalNetworkId ? { externalNetworkId } : {}),
    resellers: [...repo.resellers.values()].map((r) => ({ name: r.name })),
    customers: customers.map((c) => ({
      name: c.name,
      reseller: c.reseller,
      environments: [...c.environments.values()]
        .filter((e) => inScope(c.name, e.name))
        .map((e) => ({ name: e.name, cidr: e.network.cidr })),
    })),
    vms: vmInputs,
  };
  const ips = new Map<string, string>();
  for (const r of await new EngineState(store).resources()) {
    const ip = (r.state as { ip?: unknown } | null)?.ip;
    if (r.kind === 'openstack.port' && typeof ip === 'string') ips.set(r.address, ip);
  }
  const mapped = openstackResources(input, (a) => ips.get(a));
  return { value: mapped.value, diagnostics: [...diagnostics, ...mapped.diagnostics] };
}

/** Glance image ids by the model's image key, pinned at plan time (one listing). */
async function imageIds(
  client: openstack.OpenStackClient,
  repo: ControlRepo,
  vms: readonly Vm[],
  signal: AbortSignal | undefined,
  diagnostics: Diagnostic[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (vms.length === 0) return out;
  const all = await openstack.listImages(client, {}, signal ? { signal } : {});
  for (const vm of vms) {
    if (out.has(vm.image)) continue;
    const glanceName = repo.provider.images[vm.image]?.name ?? vm.image;
    const found = all
      .filter((i) => i.name === glanceName && i.status === 'active')
      .sort((a, b) => ((a.created_at ?? '') < (b.created_at ?? '') ? 1 : -1))[0];
    if (found) out.set(vm.image, found.id);
    else {
      diagnostics.push(
        error('NOT_FOUND', `image ${vm.image} ('${glanceName}') is not in Glance`, {
          address: vm.address,
          source: vm.source,
        }),
      );
      out.set(vm.image, '');
    }
  }
  for (const [k, v] of out) if (!v) out.delete(k);
  return out;
}
