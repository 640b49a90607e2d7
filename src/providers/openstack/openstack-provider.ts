// The OpenStack provider: reseller -> Keystone domain, customer -> project, environment ->
// network, subnet and router, VM -> security group, port and server (docs/engine.md).
import { DiagnosticsError, error } from '../../diag/index.js';
import type { Diagnostic, Result } from '../../diag/index.js';
import type { DesiredResource } from '../../engine/index.js';
import { redactedSecret, redactText, sensitiveOf } from '../../compile/index.js';
import type { CompiledVm } from '../../compile/index.js';
import type { ControlRepo, Vm } from '../../model/index.js';
import type { ProviderSecrets } from '../provider-secrets.js';
import type { DesiredRequest, ProviderEnv, ResourceProvider } from '../provider-types.js';
import { sha256 } from './drivers/driver-support.js';
import { listImages } from './glance-images.js';
import { networks } from './neutron-networks.js';
import { openStackClientFromEnv } from './openstack-client.js';
import type { OpenStackClient } from './openstack-client.js';
import { openstackDrivers } from './openstack-drivers.js';
import { openstackResources } from './openstack-mapping.js';
import type { CloudInput, VmInput } from './openstack-mapping.js';

export interface OpenStackSettings {
  /**
   * The clouds.yaml entry chosen on the command line (`--os-cloud`, which the CLI passes as
   * AARE_OS_CLOUD): it wins over OS_CLOUD and aare.yaml's `endpoints.openstack.cloud`.
   */
  cloud?: string;
  /** OS_CLOUD: must name aare.yaml's cloud unless `cloud` is set (see `chooseCloud`). */
  envCloud?: string;
  /** Prepended to every OpenStack name (AARE_OPENSTACK_PREFIX): '' in production, one per test run. */
  prefix: string;
  /** Name of the external network routers get a gateway on (AARE_EXTERNAL_NETWORK). */
  externalNetwork?: string;
  /** Where clouds.yaml and its secrets are found (OS_CLIENT_CONFIG_FILE, HOME, ...). */
  env: ProviderEnv;
}

/** Concurrent calls per endpoint during refresh and apply. */
export const OPENSTACK_LIMITS = { keystone: 2, neutron: 4, nova: 4 } as const;

export const openstackProvider: ResourceProvider<OpenStackSettings> = {
  name: 'openstack',
  settings(env) {
    return {
      ...(env.AARE_OS_CLOUD ? { cloud: env.AARE_OS_CLOUD } : {}),
      ...(env.OS_CLOUD ? { envCloud: env.OS_CLOUD } : {}),
      prefix: env.AARE_OPENSTACK_PREFIX ?? '',
      ...(env.AARE_EXTERNAL_NETWORK ? { externalNetwork: env.AARE_EXTERNAL_NETWORK } : {}),
      env,
    };
  },
  open({ controlRepo, settings, transport, secrets }) {
    const cloud = chooseCloud(settings, controlRepo.provider.endpoints.openstack.cloud);
    if (typeof cloud !== 'string') throw new DiagnosticsError([cloud]);
    const client = openStackClientFromEnv({
      cloud,
      env: settings.env as NodeJS.ProcessEnv,
      ...(transport ? { transport } : {}),
    });
    return Promise.resolve({
      drivers: [
        ...openstackDrivers({ client, prefix: settings.prefix, ...(secrets ? { secrets } : {}) }).values(),
      ],
      limits: OPENSTACK_LIMITS,
      desired: (request) => desiredResources(controlRepo, client, settings, request, secrets),
    });
  },
};

/**
 * The cloud to talk to: `--os-cloud`, else aare.yaml's. OS_CLOUD, which the shell may have set for
 * the `openstack` CLI and another cloud, is never used silently in place of aare.yaml's: when it
 * names another cloud, the command stops and says how to choose. A diagnostic when it does.
 */
export function chooseCloud(
  settings: Pick<OpenStackSettings, 'cloud' | 'envCloud'>,
  aareYamlCloud: string,
): string | Diagnostic {
  if (settings.cloud) return settings.cloud;
  if (settings.envCloud === undefined || settings.envCloud === aareYamlCloud) return aareYamlCloud;
  return error(
    'OPENSTACK_CONFIG',
    `'${settings.envCloud}' is not the cloud aare.yaml names in endpoints.openstack.cloud ('${aareYamlCloud}'): ` +
      `choose with --os-cloud ${aareYamlCloud} or --os-cloud ${settings.envCloud}, or unset OS_CLOUD`,
    { field: 'OS_CLOUD' },
  );
}

async function desiredResources(
  controlRepo: ControlRepo,
  client: OpenStackClient,
  settings: OpenStackSettings,
  request: DesiredRequest,
  secrets: (() => Promise<ProviderSecrets>) | undefined,
): Promise<Result<DesiredResource[]>> {
  const diagnostics: Diagnostic[] = [];
  const signal = request.signal;
  const images = await imageIds(
    client,
    controlRepo,
    request.vms.map((v) => v.vm),
    signal,
    diagnostics,
  );
  let externalNetworkId: string | undefined;
  if (settings.externalNetwork) {
    const found = await networks.list(
      client,
      { name: settings.externalNetwork, 'router:external': true },
      signal ? { signal } : {},
    );
    externalNetworkId = found[0]?.id;
    if (!externalNetworkId)
      diagnostics.push(
        error('NOT_FOUND', `no external network ${settings.externalNetwork} in OpenStack`, {
          field: 'AARE_EXTERNAL_NETWORK',
        }),
      );
  }
  const vms: VmInput[] = [];
  for (const { vm, compiled } of request.vms) {
    const imageId = images.get(vm.image);
    if (!imageId) continue;
    vms.push({
      address: vm.address,
      customer: vm.customer,
      environment: vm.environment,
      name: vm.name,
      fqdn: vm.fqdn,
      flavor: vm.flavor,
      imageId,
      ...(await storedUserData(compiled, secrets, diagnostics)),
      rules: compiled.desired.securityGroupRules.map((r) => ({
        protocol: r.protocol,
        port: r.port,
        remoteCidr: r.remoteCidr,
      })),
      source: vm.source,
      image: vm.image,
      userDataBytes: Buffer.byteLength(compiled.userData),
      parameters: shownParameters(compiled),
    });
  }
  const input: CloudInput = {
    prefix: settings.prefix,
    ...(externalNetworkId ? { externalNetworkId } : {}),
    resellers: [...controlRepo.resellers.values()].map((r) => ({ name: r.name })),
    customers: request.customers.map(({ customer, environments }) => ({
      name: customer.name,
      reseller: customer.reseller,
      environments: environments.map((e) => ({ name: e.name, cidr: e.network.cidr })),
    })),
    vms,
  };
  const priorIp = (address: string) => {
    const ip = (request.recorded(address) as { ip?: unknown } | undefined)?.ip;
    return typeof ip === 'string' ? ip : undefined;
  };
  const mapped = openstackResources(input, priorIp);
  return { value: mapped.value, diagnostics: [...diagnostics, ...mapped.diagnostics] };
}

/** Glance image ids by the model's image key, pinned at plan time (one listing). */
async function imageIds(
  client: OpenStackClient,
  controlRepo: ControlRepo,
  vms: readonly Vm[],
  signal: AbortSignal | undefined,
  diagnostics: Diagnostic[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (vms.length === 0) return out;
  const all = await listImages(client, {}, signal ? { signal } : {});
  const missing = new Set<string>();
  for (const vm of vms) {
    if (out.has(vm.image) || missing.has(vm.image)) continue;
    const glanceName = controlRepo.provider.images[vm.image]?.name ?? vm.image;
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
      missing.add(vm.image);
    }
  }
  return out;
}

/**
 * The class parameters a VM's user-data carries, as a plan may show them: `<class>::<parameter>`,
 * a secret one (or one that contains a secret's text) as its redacted form (docs/hiera-eyaml.md).
 */
function shownParameters(compiled: CompiledVm): Record<string, unknown> {
  const secret = sensitiveOf(compiled);
  const isSecret = new Set(secret.encParameters.map(([cls, name]) => `${cls}::${name}`));
  const out: Record<string, unknown> = {};
  for (const [cls, params] of Object.entries(compiled.enc.classes)) {
    for (const [name, value] of Object.entries(params)) {
      const key = `${cls}::${name}`;
      const text = JSON.stringify(value) ?? '';
      out[key] =
        isSecret.has(key) || redactText(text, secret.strings) !== text ? redactedSecret(value) : value;
    }
  }
  return out;
}

/**
 * The user-data as the plan, the journal and the state keep it: a VM with secret parameters
 * (docs/hiera-eyaml.md) has its user-data sealed with the state's key, and the server driver
 * unseals it when it creates the server; the hash is the plaintext's, so a change still shows.
 */
async function storedUserData(
  compiled: CompiledVm,
  secrets: (() => Promise<ProviderSecrets>) | undefined,
  diagnostics: Diagnostic[],
): Promise<{ userData: string; userDataSha256?: string }> {
  if (sensitiveOf(compiled).encParameters.length === 0) return { userData: compiled.userData };
  if (!secrets) {
    diagnostics.push(
      error(
        'SECRETS_UNAVAILABLE',
        `${compiled.address}: its user-data holds secret parameters, and no state key is there to seal them`,
        { address: compiled.address },
      ),
    );
    return { userData: '' };
  }
  return {
    userData: (await secrets()).seal(compiled.userData),
    userDataSha256: sha256(compiled.userData),
  };
}
