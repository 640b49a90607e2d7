import { z } from 'zod';
import { createOnce } from './openstack-client.js';
import type { OpenStackClient } from './openstack-client.js';
import type { CallCtx } from './neutron-common.js';
import { waitFor } from './wait-for.js';
import type { WaitOptions } from './wait-for.js';
import { ProviderError } from '../provider-error.js';

export const imageSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  status: z.string(),
  visibility: z.string(),
  disk_format: z.string().nullable(),
  container_format: z.string().nullable(),
  size: z.number().nullable(),
  min_disk: z.number(),
  min_ram: z.number(),
  tags: z.array(z.string()).default([]),
  owner: z.string().nullish(),
  checksum: z.string().nullish(),
  os_hash_value: z.string().nullish(),
  created_at: z.string().optional(),
});
export type Image = z.infer<typeof imageSchema>;

export interface ImageFilter {
  name?: string;
  status?: string;
  visibility?: 'public' | 'private' | 'shared' | 'community' | 'all';
  tag?: string;
  owner?: string;
}

export async function listImages(
  client: OpenStackClient,
  filter: ImageFilter = {},
  ctx: CallCtx & { pageSize?: number } = {},
): Promise<Image[]> {
  return client.list('image', '/images', 'images', imageSchema, {
    query: {
      name: filter.name,
      status: filter.status,
      visibility: filter.visibility,
      tag: filter.tag,
      owner: filter.owner,
    },
    what: 'list images',
    ...ctx,
  });
}

export async function getImage(
  client: OpenStackClient,
  id: string,
  ctx: CallCtx = {},
): Promise<Image | undefined> {
  return client.getOrUndefined('image', `/images/${encodeURIComponent(id)}`, imageSchema, {
    what: `read image ${id}`,
    ...ctx,
  });
}

/** An active image by id, else by name (the newest when several share the name). */
export async function findImage(
  client: OpenStackClient,
  nameOrId: string,
  ctx: CallCtx = {},
): Promise<Image | undefined> {
  if (/^[0-9a-f-]{36}$/.test(nameOrId)) {
    const byId = await getImage(client, nameOrId, ctx);
    if (byId) return byId;
  }
  const byName = await listImages(client, { name: nameOrId, status: 'active' }, ctx);
  return byName.sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? ''))[0];
}

export interface CreateImageInput {
  name: string;
  diskFormat: string;
  containerFormat: string;
  visibility?: 'public' | 'private' | 'shared' | 'community';
  minDisk?: number;
  minRam?: number;
  tags?: string[];
}

/**
 * Creates the image record (status `queued`); `uploadImageData` makes it `active`. Not
 * idempotent. After a lost connection, an image of this name carrying all of `tags` is adopted,
 * else the create is sent once more (see `createOnce`); without tags the lost connection is thrown.
 */
export async function createImage(
  client: OpenStackClient,
  input: CreateImageInput,
  ctx: CallCtx = {},
): Promise<Image> {
  const tags = input.tags ?? [];
  return createOnce(
    (retry) => postImage(client, input, { ...ctx, ...retry }),
    tags.length === 0
      ? undefined
      : async () =>
          (await listImages(client, { name: input.name }, ctx)).find(
            (img) => img.name === input.name && tags.every((t) => img.tags.includes(t)),
          ),
  );
}

function postImage(
  client: OpenStackClient,
  input: CreateImageInput,
  ctx: CallCtx & { freshConnection?: boolean },
): Promise<Image> {
  return client.json('image', 'POST', '/images', imageSchema, {
    body: {
      name: input.name,
      disk_format: input.diskFormat,
      container_format: input.containerFormat,
      ...(input.visibility ? { visibility: input.visibility } : {}),
      ...(input.minDisk !== undefined ? { min_disk: input.minDisk } : {}),
      ...(input.minRam !== undefined ? { min_ram: input.minRam } : {}),
      ...(input.tags ? { tags: input.tags } : {}),
    },
    what: `create image ${input.name}`,
    ...ctx,
  });
}

/** Uploads the bytes of a queued image. Glance refuses a second upload (409). */
export async function uploadImageData(
  client: OpenStackClient,
  id: string,
  data: Uint8Array,
  ctx: CallCtx = {},
): Promise<void> {
  await client.call('image', 'PUT', `/images/${encodeURIComponent(id)}/file`, {
    body: data,
    extraHeaders: { 'Content-Type': 'application/octet-stream' },
    // a repeated upload is refused, never duplicated
    idempotent: true,
    what: `upload image ${id}`,
    ...ctx,
  });
}

export async function waitForImage(
  client: OpenStackClient,
  id: string,
  status: string,
  opts: WaitOptions & CallCtx = {},
): Promise<Image> {
  return waitFor<Image, Image>(
    `image ${id} to become ${status}`,
    async () => {
      const img = await getImage(client, id, opts);
      if (!img)
        throw new ProviderError({
          code: 'OPENSTACK_NOT_FOUND',
          status: 404,
          message: `image ${id} disappeared`,
        });
      if (img.status === status) return { done: img };
      if (img.status === 'killed' || img.status === 'deleted') {
        throw new ProviderError({
          code: 'OPENSTACK_RESOURCE_ERROR',
          message: `image ${id} is ${img.status}`,
        });
      }
      return { last: img };
    },
    (img) => `status ${img?.status ?? '?'}`,
    opts,
  );
}

export async function deleteImage(client: OpenStackClient, id: string, ctx: CallCtx = {}): Promise<boolean> {
  return client.deleteIfExists('image', `/images/${encodeURIComponent(id)}`, {
    what: `delete image ${id}`,
    ...ctx,
  });
}
