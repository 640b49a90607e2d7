import { error } from '../../diag/index.js';
import type { Diagnostic, Result, SourceRange } from '../../diag/index.js';
import { ref } from '../../engine/index.js';
import type { DesiredResource } from '../../engine/index.js';
import type { DesiredRequest } from '../provider-types.js';
import { sha256 } from './drivers/driver-support.js';
import { ruleOrder } from './drivers/secgroup-driver.js';

/**
 * The cloud as the model wants it, in the terms of the OpenStack mapping: the provider
 * (`openstack-provider.ts`) fills it from the control repository; tests may build it by hand.
 * Names here are Aare names; `prefix` goes in front of every OpenStack name.
 */
export interface CloudInput {
  prefix: string;
  /** Router gateway network (id), when the provider has one. */
  externalNetworkId?: string;
  resellers: { name: string }[];
  customers: { name: string; reseller: string; environments: { name: string; cidr: string }[] }[];
  vms: VmInput[];
}

export interface VmInput {
  /** `customer/environment/vm` */
  address: string;
  customer: string;
  environment: string;
  name: string;
  fqdn: string;
  flavor: string;
  imageId: string;
  /** The user-data, or its sealed form (ProviderSecrets.seal) when it holds secrets. */
  userData: string;
  /** sha256 of the plaintext user-data; needed when `userData` is sealed. */
  userDataSha256?: string;
  /** Ingress rules from the VM's profiles' firewall declarations. */
  rules: { protocol: 'tcp' | 'udp'; port: number; remoteCidr: string }[];
  source?: SourceRange;
  /** The image as the model names it (`imageId` is Glance's id), for the plan. */
  image?: string;
  /** Size of the plaintext user-data in bytes (also when `userData` is sealed), for the plan. */
  userDataBytes?: number;
  /** `<class>::<parameter>` -> value the user-data carries, secrets redacted, for the plan. */
  parameters?: Record<string, unknown>;
}

/**
 * What a server's plan shows besides the fields its driver compares: the server is one of three
 * resources of a VM, and a plan reader wants the VM whole (network, fixed IP and rules live on
 * its port and security group). Never compared by `diff`; no secrets (docs/engine.md).
 */
export interface ServerPlanView {
  image?: string;
  network: string;
  fixedIp: string;
  rules: string[];
  userDataBytes?: number;
  parameters?: Record<string, unknown>;
}

export const addressOf = {
  domain: (reseller: string) => `openstack.domain.${reseller}`,
  project: (customer: string) => `openstack.project.${customer}`,
  network: (c: string, e: string) => `openstack.network.${c}/${e}`,
  subnet: (c: string, e: string) => `openstack.subnet.${c}/${e}`,
  router: (c: string, e: string) => `openstack.router.${c}/${e}`,
  secgroup: (vm: string) => `openstack.secgroup.${vm}`,
  port: (vm: string) => `openstack.port.${vm}`,
  server: (vm: string) => `openstack.server.${vm}`,
};

/**
 * The mapping (docs/engine.md): reseller → Keystone domain; customer → project in it; customer
 * environment → network + subnet (the model's CIDR) + router (external gateway when configured,
 * interface on the subnet); a VM's profile firewall rules → its security group; VM → port with a
 * fixed IP + server (flavor, image by ID, user-data, metadata with the Aare address).
 *
 * Fixed IPs are stable: a port keeps the address it has (`priorIp`); a new one gets the lowest
 * free host address from .10 on, in address order.
 */
export function openstackResources(
  input: CloudInput,
  priorIp: (portAddress: string) => string | undefined,
): Result<DesiredResource[]> {
  const out: DesiredResource[] = [];
  const diagnostics: Diagnostic[] = [];
  const p = input.prefix;
  const resellers = new Set(input.customers.map((c) => c.reseller));
  for (const r of input.resellers) {
    if (!resellers.has(r.name)) continue;
    out.push({
      address: addressOf.domain(r.name),
      kind: 'openstack.domain',
      scope: '',
      dependsOn: [],
      desired: { name: `${p}${r.name}`, enabled: true },
    });
  }
  const envCidr = new Map<string, string>();
  for (const c of input.customers) {
    const project = addressOf.project(c.name);
    out.push({
      address: project,
      kind: 'openstack.project',
      scope: c.name,
      dependsOn: [],
      desired: { name: `${p}${c.name}`, domainId: ref(addressOf.domain(c.reseller)) },
    });
    for (const e of c.environments) {
      const scope = `${c.name}/${e.name}`;
      envCidr.set(scope, e.cidr);
      const name = `${p}${c.name}-${e.name}`;
      const net = addressOf.network(c.name, e.name);
      const sub = addressOf.subnet(c.name, e.name);
      out.push({
        address: net,
        kind: 'openstack.network',
        scope,
        dependsOn: [],
        desired: { name, projectId: ref(project) },
      });
      out.push({
        address: sub,
        kind: 'openstack.subnet',
        scope,
        dependsOn: [],
        desired: { name, projectId: ref(project), networkId: ref(net), cidr: e.cidr },
      });
      out.push({
        address: addressOf.router(c.name, e.name),
        kind: 'openstack.router',
        scope,
        dependsOn: [],
        desired: {
          name,
          projectId: ref(project),
          externalNetworkId: input.externalNetworkId ?? null,
          subnetIds: [ref(sub)],
        },
      });
    }
  }
  const fixed = assignFixedIps(input, priorIp);
  diagnostics.push(...fixed.diagnostics);
  for (const vm of input.vms) {
    const envScope = `${vm.customer}/${vm.environment}`;
    if (!envCidr.has(envScope)) continue;
    const ip = fixed.value.get(vm.address);
    if (!ip) continue;
    const project = ref(addressOf.project(vm.customer));
    const name = `${p}${vm.customer}-${vm.environment}-${vm.name}`;
    const sg = addressOf.secgroup(vm.address);
    const port = addressOf.port(vm.address);
    const rules = [...vm.rules]
      .map((r) => ({ protocol: r.protocol, port: r.port, remoteCidr: r.remoteCidr }))
      .sort(ruleOrder);
    out.push({
      address: sg,
      kind: 'openstack.secgroup',
      scope: vm.address,
      dependsOn: [],
      desired: { name, projectId: project, rules },
    });
    out.push({
      address: port,
      kind: 'openstack.port',
      scope: vm.address,
      dependsOn: [],
      desired: {
        name,
        projectId: project,
        networkId: ref(addressOf.network(vm.customer, vm.environment)),
        subnetId: ref(addressOf.subnet(vm.customer, vm.environment)),
        ip,
        securityGroupIds: [ref(sg)],
      },
    });
    const planView: ServerPlanView = {
      ...(vm.image !== undefined ? { image: vm.image } : {}),
      network: `${vm.customer}/${vm.environment} ${envCidr.get(envScope)!}`,
      fixedIp: ip,
      rules: rules.map((r) => `${r.protocol}/${r.port} from ${r.remoteCidr}`),
      ...(vm.userDataBytes !== undefined ? { userDataBytes: vm.userDataBytes } : {}),
      ...(vm.parameters ? { parameters: vm.parameters } : {}),
    };
    out.push({
      address: addressOf.server(vm.address),
      kind: 'openstack.server',
      scope: vm.address,
      // the router first, so the environment is complete before its servers boot
      dependsOn: [addressOf.router(vm.customer, vm.environment)],
      desired: {
        name: `${p}${vm.fqdn}`,
        projectId: project,
        flavor: vm.flavor,
        imageId: vm.imageId,
        portId: ref(port),
        userData: vm.userData,
        userDataSha256: vm.userDataSha256 ?? sha256(vm.userData),
        metadata: { aare_vm: vm.address },
        planView,
      },
    });
  }
  return { value: out, diagnostics };
}

/**
 * Each VM's fixed IP (by VM address), as its port gets it: the address its port has (`priorIp`
 * of the port's address) when it is inside the environment's CIDR, else the lowest free host
 * address from .10 on, in the order of `input.vms`. Pure, so other providers (DNS) compute the
 * same addresses at plan time with `vmFixedIps`.
 */
export function assignFixedIps(
  input: Pick<CloudInput, 'customers'> & {
    vms: Pick<VmInput, 'address' | 'customer' | 'environment' | 'source'>[];
  },
  priorIp: (portAddress: string) => string | undefined,
): Result<Map<string, string>> {
  const diagnostics: Diagnostic[] = [];
  const envCidr = new Map<string, string>();
  for (const c of input.customers) for (const e of c.environments) envCidr.set(`${c.name}/${e.name}`, e.cidr);
  const used = new Map<string, Set<string>>();
  const out = new Map<string, string>();
  const pending: typeof input.vms = [];
  for (const vm of input.vms) {
    const envScope = `${vm.customer}/${vm.environment}`;
    const ip = priorIp(addressOf.port(vm.address));
    const cidr = envCidr.get(envScope);
    if (!cidr) {
      diagnostics.push(
        error('UNKNOWN_REFERENCE', `VM ${vm.address} is in an environment without a network`, {
          address: vm.address,
          ...(vm.source ? { source: vm.source } : {}),
        }),
      );
      continue;
    }
    if (ip && inCidr(ip, cidr)) {
      const set = used.get(envScope) ?? new Set<string>();
      set.add(ip);
      used.set(envScope, set);
      out.set(vm.address, ip);
    } else pending.push(vm);
  }
  for (const vm of pending) {
    const envScope = `${vm.customer}/${vm.environment}`;
    const set = used.get(envScope) ?? new Set<string>();
    used.set(envScope, set);
    const ip = nextFree(envCidr.get(envScope)!, set);
    if (!ip) {
      diagnostics.push(
        error('CIDR_INVALID', `no free address left in ${envCidr.get(envScope)} for ${vm.address}`, {
          address: vm.address,
          ...(vm.source ? { source: vm.source } : {}),
        }),
      );
      continue;
    }
    set.add(ip);
    out.set(vm.address, ip);
  }
  return { value: out, diagnostics };
}

/** `assignFixedIps` over what a plan covers, with the ports' recorded addresses. */
export function vmFixedIps(request: DesiredRequest): Result<Map<string, string>> {
  return assignFixedIps(
    {
      customers: request.customers.map(({ customer, environments }) => ({
        name: customer.name,
        reseller: customer.reseller,
        environments: environments.map((e) => ({ name: e.name, cidr: e.network.cidr })),
      })),
      vms: request.vms.map(({ vm }) => ({
        address: vm.address,
        customer: vm.customer,
        environment: vm.environment,
        ...(vm.source ? { source: vm.source } : {}),
      })),
    },
    (port) => {
      const ip = (request.recorded(port) as { ip?: unknown } | undefined)?.ip;
      return typeof ip === 'string' ? ip : undefined;
    },
  );
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}
function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = ipToInt(base!) - (ipToInt(base!) % size);
  const x = ipToInt(ip);
  return x > start && x < start + size - 1;
}
function nextFree(cidr: string, used: Set<string>): string | undefined {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = ipToInt(base!) - (ipToInt(base!) % size);
  for (let i = 10; i < size - 1; i++) {
    const ip = intToIp(start + i);
    if (!used.has(ip)) return ip;
  }
  return undefined;
}
