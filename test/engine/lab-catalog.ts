// What a provider's cloud has before Aare builds on it: the Glance images and Nova flavors that
// aare.yaml names. The lab bootstraps only `aare-tiny`, m1.tiny and m1.small; this adds the ones
// the demo repository uses (tiny raw images, since no VM runs), idempotently.
import { ProviderError, openstack } from '../../src/providers/index.js';
import { z } from 'zod';

export async function ensureCatalog(
  client: openstack.OpenStackClient,
  want: { images: string[]; flavors: { name: string; vcpus: number; ramMb: number; diskGb: number }[] },
): Promise<void> {
  const images = await openstack.listImages(client);
  for (const name of want.images) {
    if (images.some((i) => i.name === name && i.status === 'active')) continue;
    const img = await openstack.createImage(client, {
      name,
      diskFormat: 'raw',
      containerFormat: 'bare',
      visibility: 'public',
    });
    await openstack.uploadImageData(client, img.id, new Uint8Array(1024));
    await openstack.waitForImage(client, img.id, 'active');
  }
  const flavors = await openstack.listFlavors(client);
  for (const f of want.flavors) {
    if (flavors.some((x) => x.name === f.name)) continue;
    try {
      await client.json('compute', 'POST', '/flavors', z.object({ flavor: z.object({ id: z.string() }) }), {
        body: { flavor: { name: f.name, vcpus: f.vcpus, ram: f.ramMb, disk: f.diskGb } },
        what: `create flavor ${f.name}`,
      });
    } catch (err) {
      // another test made it at the same moment
      if (!(err instanceof ProviderError && err.status === 409)) throw err;
    }
  }
}

/** The images and flavors of a control repository's aare.yaml. */
export function catalogOf(provider: {
  images: Record<string, { name: string }>;
  flavors: Record<string, { vcpus: number; ramMb: number; diskGb: number }>;
}) {
  return {
    images: Object.values(provider.images).map((i) => i.name),
    flavors: Object.entries(provider.flavors).map(([name, f]) => ({ name, ...f })),
  };
}
