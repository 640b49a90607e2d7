// Nova server: one per VM, created in the customer's project on the VM's port, with cloud-init
// user-data and the Aare address in its metadata.
import { ProviderError } from '../../../diag/index.js';
import type { EngineDriver } from '../../../engine/index.js';
import { diffFields } from '../../field-diff.js';
import type { Fields } from '../../field-diff.js';
import { actInProject } from '../keystone-projects.js';
import {
  createServer,
  deleteServer,
  getServer,
  listFlavors,
  listServers,
  setServerMetadata,
  updateServerName,
  waitForServer,
  waitForServerGone,
} from '../nova-servers.js';
import type { Flavor, Server } from '../nova-servers.js';
import type { OpenStackClient } from '../openstack-client.js';
import { goneError, MANAGED_TAG, mapValues, sha256 } from './driver-support.js';
import type { DriverEnv } from './driver-support.js';
import type { ServerPlanView } from '../openstack-mapping.js';
import { fillSecretTokens, hasSecretTokens, isSealed, unfillSecretTokens } from '../../provider-secrets.js';
import type { ProviderSecrets } from '../../provider-secrets.js';

/** Takes the secrets a server's user-data was sent with back out, so its hash compares with the plan's. */
type Unfill = (userData: string, metadata: Record<string, string> | undefined) => string;

const stateOf = (s: Server, unfill: Unfill, prior?: Fields): Fields => {
  const ud = s['OS-EXT-SRV-ATTR:user_data'];
  return {
    id: s.id,
    name: s.name,
    projectId: s.tenant_id,
    flavor: s.flavor?.original_name ?? prior?.flavor ?? null,
    imageId: typeof s.image === 'object' ? s.image.id : null,
    userDataSha256: ud
      ? sha256(unfill(Buffer.from(ud, 'base64').toString('utf8'), s.metadata))
      : ud === undefined
        ? (prior?.userDataSha256 ?? null)
        : null,
    metadata: s.metadata,
    portId: prior?.portId ?? null,
    status: s.status,
  };
};

function withoutMarker(metadata: unknown): Record<string, string> {
  const { aare_address: _a, ...rest } = (metadata ?? {}) as Record<string, string>;
  return rest;
}

/** `customer` and `environment` of a VM address `customer/environment/vm`. */
function scopeOf(vmAddress: unknown): { customer: string; environment: string } | undefined {
  const parts = typeof vmAddress === 'string' ? vmAddress.split('/') : [];
  return parts.length === 3 ? { customer: parts[0]!, environment: parts[1]! } : undefined;
}

export function serverDriver(env: DriverEnv): EngineDriver<Fields, Fields> {
  const c = env.client;
  // the secrets are read once per run, and only when a server's user-data needs them
  let secrets: Promise<ProviderSecrets> | undefined;
  const secretsOnce = () => {
    if (!env.secrets) return undefined;
    secrets ??= env.secrets();
    return secrets;
  };
  const unfillWith = async (): Promise<Unfill> => {
    const s = await secretsOnce();
    if (!s) return (text) => text;
    return (text, metadata) => {
      const scope = scopeOf(metadata?.aare_vm);
      return scope ? unfillSecretTokens(text, s, scope.customer, scope.environment) : text;
    };
  };
  const fill = async (stored: string, metadata: unknown, address: string): Promise<string> => {
    const userData = isSealed(stored) ? await unseal(stored, address) : stored;
    if (!hasSecretTokens(userData)) return userData;
    const s = await secretsOnce();
    const scope = scopeOf((metadata as Record<string, unknown> | undefined)?.aare_vm);
    if (!s || !scope)
      throw new ProviderError({
        code: 'SECRETS_UNAVAILABLE',
        status: 500,
        message: `server ${address}: its user-data needs Aare's generated secrets, and none were given`,
        address,
      });
    return fillSecretTokens(userData, s, scope.customer, scope.environment);
  };
  // user-data with secret parameters comes sealed with the state's key (openstack-provider.ts)
  const unseal = async (sealed: string, address: string): Promise<string> => {
    const text = (await secretsOnce())?.unseal(sealed);
    if (text === undefined)
      throw new ProviderError({
        code: 'SECRETS_UNAVAILABLE',
        status: 500,
        message: `server ${address}: its user-data was sealed with a state key this state does not hold`,
        address,
      });
    return text;
  };
  // a project-scoped client per project (servers are created in the customer's project), and
  // the flavor list, each fetched once per run; a failed fetch is forgotten so the next call retries
  const scoped = new Map<string, Promise<OpenStackClient>>();
  const inProject = (projectId: string, signal: AbortSignal) => {
    let p = scoped.get(projectId);
    if (!p) {
      p = actInProject(c, projectId, { signal });
      p.catch(() => scoped.delete(projectId));
      scoped.set(projectId, p);
    }
    return p;
  };
  let flavors: Promise<Flavor[]> | undefined;
  const flavorId = async (name: string, signal: AbortSignal, address: string) => {
    if (!flavors) {
      flavors = listFlavors(c, { signal });
      flavors.catch(() => (flavors = undefined));
    }
    const f = (await flavors).find((x) => x.name === name || x.id === name);
    if (!f)
      throw new ProviderError({
        code: 'OPENSTACK_NOT_FOUND',
        status: 404,
        message: `Nova has no flavor '${name}'`,
        address,
      });
    return f.id;
  };
  return {
    kind: 'openstack.server',
    endpoint: 'nova',
    async list({ addresses, signal }) {
      const all = await listServers(c, { allTenants: true }, { signal });
      const unfill = await unfillWith();
      return mapValues(
        env.byMarker(all, (s) => s.metadata.aare_address, addresses),
        (s) => stateOf(s, unfill),
      );
    },
    async read({ prior, signal, address }) {
      const s = await getServer(c, String(prior?.id), { signal, address });
      return s && stateOf(s, await unfillWith(), prior);
    },
    async findByAddress({ address, signal }) {
      return (await this.list!({ addresses: [address], signal })).get(address);
    },
    async create({ address, desired: d, signal }) {
      const ctx = { signal, address };
      const scopedClient = await inProject(String(d.projectId), signal);
      const id = await createServer(
        scopedClient,
        {
          name: String(d.name),
          imageRef: String(d.imageId),
          flavorRef: await flavorId(String(d.flavor), signal, address),
          networks: [{ port: String(d.portId) }],
          userData: await fill(String(d.userData ?? ''), d.metadata, address),
          metadata: { ...(d.metadata as Record<string, string>), aare_address: env.marker(address) },
          tags: [MANAGED_TAG],
        },
        ctx,
      );
      const unfill = await unfillWith();
      try {
        const s = await waitForServer(c, id, 'ACTIVE', { ...ctx, timeoutMs: 120_000 });
        return { ...stateOf(s, unfill), portId: d.portId };
      } catch (err) {
        if (err instanceof ProviderError && err.partialState) {
          err.partialState = { ...stateOf(err.partialState as Server, unfill), portId: d.portId };
        }
        throw err;
      }
    },
    async update({ address, desired: d, prior, signal }) {
      const ctx = { signal, address };
      const id = String(prior.id);
      if (d.name !== prior.name) await updateServerName(c, id, String(d.name), ctx);
      await setServerMetadata(
        c,
        id,
        { ...(d.metadata as Record<string, string>), aare_address: env.marker(address) },
        ctx,
      );
      const s = await getServer(c, id, ctx);
      if (!s) throw goneError(`server ${id} is gone`, address);
      return stateOf(s, await unfillWith(), prior);
    },
    async delete({ address, prior, signal }) {
      const ctx = { signal, address };
      await deleteServer(c, String(prior.id), ctx);
      await waitForServerGone(c, String(prior.id), { ...ctx, timeoutMs: 120_000 });
    },
    display(d) {
      const view = (d.planView ?? {}) as Partial<ServerPlanView>;
      const digest = typeof d.userDataSha256 === 'string' ? d.userDataSha256 : '';
      return {
        flavor: d.flavor,
        // an image shows by its model name; a record written before there was one, by its id
        ...(view.image !== undefined ? { image: view.image } : { imageId: d.imageId }),
        ...(view.network !== undefined ? { network: view.network } : {}),
        ...(view.fixedIp !== undefined ? { fixedIp: view.fixedIp } : {}),
        ...(view.rules !== undefined ? { rules: view.rules } : {}),
        // the digest only: user-data may carry secrets
        userData: `sha256:${digest.slice(0, 12)}…`,
        ...(view.userDataBytes !== undefined ? { userDataBytes: view.userDataBytes } : {}),
        ...(view.parameters !== undefined ? { parameters: view.parameters } : {}),
      };
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
  };
}
