import { z } from 'zod';
import { ProviderError } from '../provider-error.js';
import { createOnce } from './openstack-client.js';
import type { OpenStackClient } from './openstack-client.js';
import { waitFor } from './wait-for.js';
import type { WaitOptions } from './wait-for.js';

const addressSchema = z.object({
  addr: z.string(),
  version: z.number(),
  'OS-EXT-IPS:type': z.string().optional(),
  'OS-EXT-IPS-MAC:mac_addr': z.string().optional(),
});

export const serverSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  tenant_id: z.string().optional(),
  user_id: z.string().optional(),
  metadata: z.record(z.string(), z.string()).default({}),
  tags: z.array(z.string()).optional(),
  addresses: z.record(z.string(), z.array(addressSchema)).default({}),
  /** `""` when booted from a volume. */
  image: z.union([z.object({ id: z.string() }), z.literal('')]).optional(),
  flavor: z
    .object({
      id: z.string().optional(),
      original_name: z.string().optional(),
      vcpus: z.number().optional(),
      ram: z.number().optional(),
      disk: z.number().optional(),
    })
    .optional(),
  key_name: z.string().nullish(),
  security_groups: z.array(z.object({ name: z.string() })).optional(),
  fault: z
    .object({ code: z.number().optional(), message: z.string(), details: z.string().optional() })
    .optional(),
  'OS-EXT-STS:task_state': z.string().nullish(),
  'OS-EXT-STS:vm_state': z.string().nullish(),
  /** base64; only admins see it, with microversion >= 2.3. */
  'OS-EXT-SRV-ATTR:user_data': z.string().nullish(),
  'OS-EXT-SRV-ATTR:hostname': z.string().nullish(),
  created: z.string().optional(),
  updated: z.string().optional(),
});
export type Server = z.infer<typeof serverSchema>;

export const flavorSchema = z.object({
  id: z.string(),
  name: z.string(),
  vcpus: z.number(),
  ram: z.number(),
  disk: z.number(),
  'os-flavor-access:is_public': z.boolean().optional(),
});
export type Flavor = z.infer<typeof flavorSchema>;

export interface CreateServerInput {
  name: string;
  imageRef: string;
  flavorRef: string;
  /** Each entry attaches a network (a new port) or an existing port. */
  networks: ({ uuid: string; fixedIp?: string } | { port: string })[];
  /** Names (or ids) of security groups; ignored by Nova for `port` entries (set them on the port). */
  securityGroups?: string[];
  /** Plain text (cloud-init `#cloud-config`...); sent base64-encoded. */
  userData?: string;
  metadata?: Record<string, string>;
  /** Server tags (microversion >= 2.52 on create). */
  tags?: string[];
  keyName?: string;
  availabilityZone?: string;
}

export interface CallCtx {
  signal?: AbortSignal;
  address?: string;
}

const createdSchema = z.object({ server: z.object({ id: z.string() }) });

/**
 * Asks Nova for a server and returns its id at once (status BUILD). Not idempotent. After a lost
 * connection, a server of the client's project with this name and all of this `metadata` (Aare
 * puts its address there) is adopted, else the create is sent once more (see `createOnce`);
 * without metadata the lost connection is thrown. After any other failure the server may exist.
 */
export async function createServer(
  client: OpenStackClient,
  input: CreateServerInput,
  ctx: CallCtx = {},
): Promise<string> {
  const body = {
    server: {
      name: input.name,
      imageRef: input.imageRef,
      flavorRef: input.flavorRef,
      networks: input.networks.map((n) =>
        'port' in n ? { port: n.port } : { uuid: n.uuid, ...(n.fixedIp ? { fixed_ip: n.fixedIp } : {}) },
      ),
      ...(input.securityGroups ? { security_groups: input.securityGroups.map((name) => ({ name })) } : {}),
      ...(input.userData !== undefined
        ? { user_data: Buffer.from(input.userData, 'utf8').toString('base64') }
        : {}),
      ...(input.metadata ? { metadata: input.metadata } : {}),
      ...(input.tags ? { tags: input.tags } : {}),
      ...(input.keyName ? { key_name: input.keyName } : {}),
      ...(input.availabilityZone ? { availability_zone: input.availabilityZone } : {}),
    },
  };
  const metadata = Object.entries(input.metadata ?? {});
  return createOnce(
    async (retry) => {
      const res = await client.json('compute', 'POST', '/servers', createdSchema, {
        body,
        what: `create server ${input.name}`,
        ...ctx,
        ...retry,
      });
      return res.server.id;
    },
    metadata.length === 0
      ? undefined
      : async () => {
          const named = await listServers(client, { name: `^${escapeRegExp(input.name)}$` }, ctx);
          return named.find((s) => s.name === input.name && metadata.every(([k, v]) => s.metadata[k] === v))
            ?.id;
        },
  );
}

/** Nova's `name` filter is a regular expression. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export async function getServer(
  client: OpenStackClient,
  id: string,
  ctx: CallCtx = {},
): Promise<Server | undefined> {
  const res = await client.getOrUndefined(
    'compute',
    `/servers/${encodeURIComponent(id)}`,
    z.object({ server: serverSchema }),
    {
      what: `read server ${id}`,
      ...ctx,
    },
  );
  return res?.server;
}

export interface ServerFilter {
  /** A regular expression for Nova (anchor it: `^web1$`). */
  name?: string;
  /** Servers having all these tags. */
  tags?: string[];
  status?: string;
  /** Admin only: servers of every project. */
  allTenants?: boolean;
  projectId?: string;
}

/** Servers with details, every page followed. */
export async function listServers(
  client: OpenStackClient,
  filter: ServerFilter = {},
  opts: CallCtx & { pageSize?: number } = {},
): Promise<Server[]> {
  return client.list('compute', '/servers/detail', 'servers', serverSchema, {
    query: {
      name: filter.name,
      tags: filter.tags?.join(','),
      status: filter.status,
      all_tenants: filter.allTenants ? 'true' : undefined,
      project_id: filter.projectId,
    },
    ...opts,
  });
}

/** Deletes a server; a server already gone counts as deleted. Does not wait (see waitForServerGone). */
export async function deleteServer(client: OpenStackClient, id: string, ctx: CallCtx = {}): Promise<void> {
  await client.deleteIfExists('compute', `/servers/${encodeURIComponent(id)}`, {
    what: `delete server ${id}`,
    ...ctx,
  });
}

/**
 * Waits until the server has `status` (e.g. ACTIVE, SHUTOFF). A server in ERROR fails at once
 * with OPENSTACK_RESOURCE_ERROR and Nova's fault message; the error's `partialState` is the server.
 */
export async function waitForServer(
  client: OpenStackClient,
  id: string,
  status: string,
  opts: WaitOptions & CallCtx = {},
): Promise<Server> {
  return waitFor<Server, Server | undefined>(
    `server ${id} to become ${status}`,
    async () => {
      const s = await getServer(client, id, opts);
      if (s === undefined) {
        throw new ProviderError({
          code: 'OPENSTACK_NOT_FOUND',
          status: 404,
          message: `server ${id} disappeared while waiting for ${status}`,
          ...(opts.address ? { address: opts.address } : {}),
        });
      }
      if (s.status === status) return { done: s };
      if (s.status === 'ERROR' && status !== 'ERROR') {
        const err = new ProviderError({
          code: 'OPENSTACK_RESOURCE_ERROR',
          message: `server ${s.name} (${id}) went to ERROR: ${s.fault?.message ?? 'no fault given'}`,
          systemMessage: s.fault?.message ?? 'ERROR',
          ...(opts.address ? { address: opts.address } : {}),
        });
        err.partialState = s;
        throw err;
      }
      return { last: s };
    },
    (s) =>
      `status ${s?.status ?? '?'}${s?.['OS-EXT-STS:task_state'] ? `, task ${s['OS-EXT-STS:task_state']}` : ''}`,
    opts,
  );
}

/** Waits until GET answers 404. */
export async function waitForServerGone(
  client: OpenStackClient,
  id: string,
  opts: WaitOptions & CallCtx = {},
): Promise<void> {
  await waitFor<true, Server>(
    `server ${id} to be deleted`,
    async () => {
      const s = await getServer(client, id, opts);
      if (s === undefined) return { done: true };
      if (s.status === 'ERROR' && s['OS-EXT-STS:task_state'] == null) {
        // a failed delete leaves ERROR without a task: ask again
        await deleteServer(client, id, opts);
      }
      return { last: s };
    },
    (s) => `status ${s?.status ?? '?'}`,
    opts,
  );
}

/** The user_data Nova stored, decoded (admin credentials needed). `undefined` when none. */
export async function getServerUserData(
  client: OpenStackClient,
  id: string,
  ctx: CallCtx = {},
): Promise<string | undefined> {
  const s = await getServer(client, id, ctx);
  if (s === undefined) {
    throw new ProviderError({ code: 'OPENSTACK_NOT_FOUND', status: 404, message: `server ${id} not found` });
  }
  if (!('OS-EXT-SRV-ATTR:user_data' in s)) {
    throw new ProviderError({
      code: 'OPENSTACK_FORBIDDEN',
      message: `server ${id}: user_data is not visible to this user (needs admin and compute microversion >= 2.3)`,
    });
  }
  const b64 = s['OS-EXT-SRV-ATTR:user_data'];
  return b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined;
}

/** Renames a server (the only in-place change Aare makes besides metadata). */
export async function updateServerName(
  client: OpenStackClient,
  id: string,
  name: string,
  ctx: CallCtx = {},
): Promise<Server> {
  const res = await client.json(
    'compute',
    'PUT',
    `/servers/${encodeURIComponent(id)}`,
    z.object({ server: serverSchema }),
    {
      body: { server: { name } },
      what: `rename server ${id}`,
      ...ctx,
    },
  );
  return res.server;
}

/** Replaces all metadata of a server. */
export async function setServerMetadata(
  client: OpenStackClient,
  id: string,
  metadata: Record<string, string>,
  ctx: CallCtx = {},
): Promise<Record<string, string>> {
  const res = await client.json(
    'compute',
    'PUT',
    `/servers/${encodeURIComponent(id)}/metadata`,
    z.object({ metadata: z.record(z.string(), z.string()) }),
    { body: { metadata }, what: `set metadata of server ${id}`, ...ctx },
  );
  return res.metadata;
}

export async function listFlavors(client: OpenStackClient, ctx: CallCtx = {}): Promise<Flavor[]> {
  return client.list('compute', '/flavors/detail', 'flavors', flavorSchema, { what: 'list flavors', ...ctx });
}

/** A flavor by name or id; `undefined` when there is none. */
export async function findFlavor(
  client: OpenStackClient,
  nameOrId: string,
  ctx: CallCtx = {},
): Promise<Flavor | undefined> {
  const all = await listFlavors(client, ctx);
  return all.find((f) => f.id === nameOrId) ?? all.find((f) => f.name === nameOrId);
}

/** The compute API's microversion range (`min`, `max`), from the version document. */
export async function computeVersionRange(
  client: OpenStackClient,
  ctx: CallCtx = {},
): Promise<{ min: string; max: string }> {
  const base = await client.baseUrl('compute', ctx.signal);
  const res = await client.json(
    'compute',
    'GET',
    `${base}/`,
    z.object({ version: z.object({ min_version: z.string(), version: z.string() }) }),
    { what: 'read compute version', ...ctx },
  );
  return { min: res.version.min_version, max: res.version.version };
}
