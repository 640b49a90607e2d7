import { z } from 'zod';
import { createOnce } from './openstack-client.js';
import type { CallOptions, OpenStackClient, Query } from './openstack-client.js';

export interface CallCtx {
  signal?: AbortSignal;
  address?: string;
}

/**
 * What identifies an object a create may have made before its connection was lost (Neutron
 * allows many objects of one name). The object is adopted only when every `fields` entry equals
 * what the create sent (absent, null and '' are equal; `project_id` counts only when sent), and
 * only when the create sent a non-empty value for each `required` field: Aare makes that value
 * unique (its address in `description`), so a stranger's object is never taken.
 */
export interface CreateIdentity {
  required: readonly string[];
  fields: readonly string[];
  /** Sent as filters of the lookup's listing. */
  query: readonly string[];
}

/** Named objects (networks, subnets, routers, ports, security groups): by name and description. */
export const byNameAndDescription: CreateIdentity = {
  required: ['description'],
  fields: ['name', 'description', 'project_id'],
  query: ['name'],
};

/**
 * CRUD for one Neutron collection (`/networks` with `network` bodies, ...): the same five calls
 * for every kind, so each `neutron-*.ts` only declares its schema and its special actions.
 */
export function neutronCollection<S extends z.ZodType>(
  collection: string,
  singular: string,
  schema: S,
  identity: CreateIdentity = byNameAndDescription,
) {
  const one = z.object({ [singular]: schema });
  const path = `/${collection}`;
  const label = singular.replace(/_/g, ' ');
  const opts = (what: string, ctx: CallCtx): CallOptions => ({ what, ...ctx });
  const list = async (
    client: OpenStackClient,
    query: Query = {},
    ctx: CallCtx & { pageSize?: number } = {},
  ): Promise<z.infer<S>[]> =>
    client.list('network', path, collection.replace(/-/g, '_'), schema, {
      query,
      ...ctx,
      what: `list ${collection}`,
    });
  return {
    /**
     * Not idempotent. After a lost connection the object is looked up by its `identity` and
     * adopted, else created once more (see `createOnce`); without the identity's required fields
     * the lost connection is thrown and the object may exist. Any other failure: the object may
     * exist too. Neutron (Zed) refuses `tags` in a POST, so tags are set by a second call right
     * after: an interrupted create can leave the object without its tags, but never without its
     * name and description, which is why those (not tags) should carry the Aare address.
     */
    async create(
      client: OpenStackClient,
      body: Record<string, unknown>,
      ctx: CallCtx = {},
    ): Promise<z.infer<S>> {
      const { tags, ...rest } = body;
      const name = typeof rest.name === 'string' ? ` ${rest.name}` : '';
      const identifiable = identity.required.every((f) => blank(rest[f]) !== null);
      const created = (await createOnce(
        async (retry) => {
          const res = await client.json('network', 'POST', path, one, {
            body: { [singular]: rest },
            ...opts(`create ${label}${name}`, ctx),
            ...retry,
          });
          return res[singular] as z.infer<S>;
        },
        identifiable
          ? async () => {
              const query: Query = {};
              for (const f of identity.query) {
                const v = blank(rest[f]);
                if (v !== null) query[f] = String(v);
              }
              const found = await list(client, query, ctx);
              return found.find((o) => sameIdentity(identity, rest, o as Record<string, unknown>));
            }
          : undefined,
      )) as z.infer<S> & { id: string };
      if (Array.isArray(tags) && tags.length > 0) {
        await setNeutronTags(client, collection, created.id, tags as string[], ctx);
        return { ...created, tags: tags as string[] };
      }
      return created;
    },
    /** `undefined` when it does not exist. */
    async get(client: OpenStackClient, id: string, ctx: CallCtx = {}): Promise<z.infer<S> | undefined> {
      const res = await client.getOrUndefined(
        'network',
        `${path}/${encodeURIComponent(id)}`,
        one,
        opts(`read ${label} ${id}`, ctx),
      );
      return res?.[singular] as z.infer<S> | undefined;
    },
    /** Every page; `query` filters by attribute (`name`, `tags`, `project_id`, ...). */
    list,
    async update(
      client: OpenStackClient,
      id: string,
      body: Record<string, unknown>,
      ctx: CallCtx = {},
    ): Promise<z.infer<S>> {
      const res = await client.json('network', 'PUT', `${path}/${encodeURIComponent(id)}`, one, {
        body: { [singular]: body },
        ...opts(`update ${label} ${id}`, ctx),
      });
      return res[singular] as z.infer<S>;
    },
    /** Idempotent: deleting what is gone succeeds (returns false). */
    async delete(client: OpenStackClient, id: string, ctx: CallCtx = {}): Promise<boolean> {
      return client.deleteIfExists(
        'network',
        `${path}/${encodeURIComponent(id)}`,
        opts(`delete ${label} ${id}`, ctx),
      );
    },
  };
}

/** absent, null and '' alike */
function blank(v: unknown): unknown {
  return v === undefined || v === null || v === '' ? null : v;
}

function sameIdentity(
  identity: CreateIdentity,
  sent: Record<string, unknown>,
  found: Record<string, unknown>,
) {
  return identity.fields.every(
    (f) => (f === 'project_id' && sent[f] === undefined) || blank(sent[f]) === blank(found[f]),
  );
}

/** Replaces the tags of any Neutron object (`networks`, `ports`, ...). */
export async function setNeutronTags(
  client: OpenStackClient,
  collection: string,
  id: string,
  tags: string[],
  ctx: CallCtx = {},
): Promise<void> {
  await client.call('network', 'PUT', `/${collection}/${encodeURIComponent(id)}/tags`, {
    body: { tags },
    what: `set tags of ${collection} ${id}`,
    ...ctx,
  });
}

export const neutronBase = {
  id: z.string(),
  name: z.string(),
  project_id: z.string().optional(),
  tenant_id: z.string().optional(),
  description: z.string().nullish(),
  tags: z.array(z.string()).default([]),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
  revision_number: z.number().optional(),
};
