// Glance against the lab: create, upload, wait active, find by name, paginate, delete.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openstack } from '../../../src/providers/index.js';
import { Cleanup, labClient, runPrefix, skipWithoutLab } from './lab-cloud.js';

describe('glance images (lab)', { skip: skipWithoutLab }, () => {
  const cleanup = new Cleanup();
  const prefix = runPrefix();
  let c: openstack.OpenStackClient;
  before(() => {
    c = labClient();
  });
  after(() => cleanup.run());

  test('create, upload, active, found by name and tag, listed page by page, deleted', async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const img = await openstack.createImage(c, {
        name: `${prefix}img${n}`,
        diskFormat: 'raw',
        containerFormat: 'bare',
        tags: [`${prefix}tag`],
      });
      cleanup.add(`delete image ${n}`, () => openstack.deleteImage(c, img.id));
      assert.equal(img.status, 'queued');
      ids.push(img.id);
    }
    const [first] = ids;
    assert.ok(first);
    await openstack.uploadImageData(c, first, new Uint8Array(4096).fill(7));
    const active = await openstack.waitForImage(c, first, 'active', { timeoutMs: 30_000 });
    assert.equal(active.size, 4096);
    assert.equal((await openstack.findImage(c, `${prefix}img1`))?.id, first);
    assert.equal(await openstack.findImage(c, `${prefix}img2`), undefined, 'queued images are not offered');

    const before1 = c.transport.stats.requests;
    const tagged = await openstack.listImages(c, { tag: `${prefix}tag` }, { pageSize: 2 });
    assert.deepEqual(tagged.map((i) => i.id).sort(), [...ids].sort());
    assert.ok(c.transport.stats.requests - before1 >= 2, 'followed Glance’s next link');

    assert.equal(await openstack.deleteImage(c, first), true);
    assert.equal(await openstack.getImage(c, first), undefined);
    assert.equal(await openstack.deleteImage(c, first), false);
  });
});
