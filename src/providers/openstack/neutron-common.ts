import { z } from 'zod';
import type { CallOptions, OpenStackClient, Query } from './openstack-client.js';

export interface CallCtx {
  signal?: AbortSignal;
  address?: string;
}

/**
 * CRUD for one Neutron collection (`/networks` with `network` bodies, ...): the same five calls
 * for every kind, so each `neutron-*.ts` only declares its schema and its special actions.
 */
export function neutronCollection<S extends z.ZodType>(collection: string, singular: string, schema: S) {
  const one = z.object({ [singular]: schema });
  const path = `/${collection}`;
  const label = singular.replace(/_/g, ' ');
  const opts = (what: string, ctx: CallCtx): CallOptions => ({ what, ...ctx });
  return {
    /**
     * Not idempotent: after a failure the object may exist (find it by name or description).
     * Neutron (Zed) refuses `tags` in a POST, so tags are set by a second call right after: an
     * interrupted create can leave the object without its tags, but never without its name and
     * description, which is why those (not tags) should carry the Aare address.
     */
    async create(
      client: OpenStackClient,
      body: Record<string, unknown>,
      ctx: CallCtx = {},
    ): Promise<z.infer<S>> {
      const { tags, ...rest } = body;
      const name = typeof rest.name === 'string' ? ` ${rest.name}` : '';
      const res = await client.json('network', 'POST', path, one, {
        body: { [singular]: rest },
        ...opts(`create ${label}${name}`, ctx),
      });
      const created = res[singular] as z.infer<S> & { id: string };
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
    async list(
      client: OpenStackClient,
      query: Query = {},
      ctx: CallCtx & { pageSize?: number } = {},
    ): Promise<z.infer<S>[]> {
      return client.list('network', path, collection.replace(/-/g, '_'), schema, {
        query,
        ...ctx,
        what: `list ${collection}`,
      });
    },
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
