// Nova against the lab: a server to ACTIVE on its own network, user_data read back as admin,
// tags and metadata, its port ACTIVE, listing by tag, rename, delete and wait until gone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openstack } from '../../../src/providers/index.js';
import { Cleanup, labClient, runPrefix, skipWithoutLab } from './lab-cloud.js';

describe('nova servers (lab)', { skip: skipWithoutLab }, () => {
  const cleanup = new Cleanup();
  const prefix = runPrefix();
  let c: openstack.OpenStackClient;
  let netId = '';
  let imageId = '';
  before(async () => {
    c = labClient();
    const net = await openstack.networks.create(c, { name: `${prefix}net` });
    cleanup.add('delete network', () => openstack.networks.delete(c, net.id));
    const sub = await openstack.subnets.create(c, {
      name: `${prefix}sub`,
      network_id: net.id,
      ip_version: 4,
      cidr: '10.93.0.0/24',
    });
    cleanup.add('delete subnet', () => openstack.subnets.delete(c, sub.id));
    netId = net.id;
    const image = await openstack.findImage(c, 'aare-tiny');
    assert.ok(image, 'the lab has image aare-tiny');
    imageId = image.id;
  });
  after(() => cleanup.run());

  test('the lab speaks the microversions the client uses', async () => {
    const range = await openstack.computeVersionRange(c);
    assert.equal(range.min, '2.1');
    const [maj, min] = range.max.split('.').map(Number);
    assert.ok(maj === 2 && (min ?? 0) >= 79, `max ${range.max} >= ${openstack.DEFAULT_COMPUTE_MICROVERSION}`);
  });

  test('server goes ACTIVE; user_data, tags, metadata and address read back', async () => {
    const flavor = await openstack.findFlavor(c, 'm1.tiny');
    assert.ok(flavor);
    const userData =
      '#cloud-config\nhostname: web1\nwrite_files:\n  - path: /etc/aare\n    content: "héllo"\n';
    const id = await openstack.createServer(c, {
      name: `${prefix}web1`,
      imageRef: imageId,
      flavorRef: flavor.id,
      networks: [{ uuid: netId, fixedIp: '10.93.0.21' }],
      userData,
      metadata: { aare_address: `${prefix}muster/test/web1` },
      tags: ['aare-managed', `${prefix}tag`],
    });
    cleanup.add('delete server', async () => {
      await openstack.deleteServer(c, id);
      await openstack.waitForServerGone(c, id, { timeoutMs: 60_000 });
    });
    const s = await openstack.waitForServer(c, id, 'ACTIVE', { timeoutMs: 90_000 });
    assert.equal(s.name, `${prefix}web1`);
    assert.deepEqual(s.tags?.sort(), ['aare-managed', `${prefix}tag`].sort());
    assert.equal(s.metadata.aare_address, `${prefix}muster/test/web1`);
    assert.equal(s.addresses[`${prefix}net`]?.[0]?.addr, '10.93.0.21');
    assert.equal(s.flavor?.original_name, 'm1.tiny');
    assert.equal(await openstack.getServerUserData(c, id), userData);

    const [port] = await openstack.ports.list(c, { device_id: id });
    assert.ok(port, 'the server has a port');
    const active = await openstack.waitForPort(c, port.id, 'ACTIVE', { timeoutMs: 30_000 });
    assert.equal(active.fixed_ips[0]?.ip_address, '10.93.0.21');

    const tagged = await openstack.listServers(c, { tags: [`${prefix}tag`] });
    assert.deepEqual(
      tagged.map((x) => x.id),
      [id],
    );
    const byName = await openstack.listServers(c, { name: `^${prefix}web1$` });
    assert.deepEqual(
      byName.map((x) => x.id),
      [id],
    );

    const renamed = await openstack.updateServerName(c, id, `${prefix}web1b`);
    assert.equal(renamed.name, `${prefix}web1b`);
    const md = await openstack.setServerMetadata(c, id, { aare_address: 'x', role: 'web' });
    assert.deepEqual(md, { aare_address: 'x', role: 'web' });

    await openstack.deleteServer(c, id);
    await openstack.waitForServerGone(c, id, { timeoutMs: 60_000 });
    assert.equal(await openstack.getServer(c, id), undefined);
    await openstack.deleteServer(c, id); // deleting what is gone succeeds
  });

  test('a server that cannot be scheduled fails fast with Nova’s fault', async () => {
    // a flavor bigger than FakeDriver's host: scheduling fails, the server goes to ERROR
    const flavorId = `${prefix}huge`;
    await c.call('compute', 'POST', '/flavors', {
      body: { flavor: { name: flavorId, id: flavorId, ram: 1_000_000_000, vcpus: 1, disk: 1 } },
    });
    cleanup.add('delete flavor', () => c.deleteIfExists('compute', `/flavors/${flavorId}`));
    const id = await openstack.createServer(c, {
      name: `${prefix}toobig`,
      imageRef: imageId,
      flavorRef: flavorId,
      networks: [{ uuid: netId }],
    });
    cleanup.add('delete failed server', async () => {
      await openstack.deleteServer(c, id);
      await openstack.waitForServerGone(c, id, { timeoutMs: 60_000 });
    });
    await assert.rejects(openstack.waitForServer(c, id, 'ACTIVE', { timeoutMs: 90_000 }), (err: unknown) => {
      const e = err as { code: string; message: string; partialState?: { status: string } };
      assert.equal(e.code, 'OPENSTACK_RESOURCE_ERROR');
      assert.match(e.message, /went to ERROR: .*valid host/i);
      assert.equal(e.partialState?.status, 'ERROR');
      return true;
    });
  });

  test('pagination: Nova’s flavors_links followed page by page', async () => {
    const ids = [1, 2, 3].map((n) => `${prefix}pf${n}`);
    for (const id of ids) {
      await c.call('compute', 'POST', '/flavors', {
        body: { flavor: { name: id, id, ram: 64, vcpus: 1, disk: 0 } },
      });
      cleanup.add(`delete flavor ${id}`, () => c.deleteIfExists('compute', `/flavors/${id}`));
    }
    const before1 = c.transport.stats.requests;
    const all = await c.list('compute', '/flavors/detail', 'flavors', openstack.flavorSchema, {
      pageSize: 2,
    });
    const pages = c.transport.stats.requests - before1;
    assert.ok(
      ids.every((id) => all.some((f) => f.id === id)),
      'every new flavor listed',
    );
    assert.equal(new Set(all.map((f) => f.id)).size, all.length, 'no flavor twice');
    assert.ok(pages >= Math.ceil(all.length / 2), `${pages} pages for ${all.length} flavors`);
  });

  test('a missing image is a 400 with Nova’s message, and no server is left', async () => {
    await assert.rejects(
      openstack.createServer(c, {
        name: `${prefix}noimg`,
        imageRef: '00000000-0000-0000-0000-000000000000',
        flavorRef: '1',
        networks: [{ uuid: netId }],
      }),
      (err: unknown) => {
        const e = err as { code: string; status: number; message: string };
        assert.equal(e.status, 400);
        assert.equal(e.code, 'OPENSTACK_BAD_REQUEST');
        assert.match(
          e.message,
          /^create server aaret-\w+-noimg: OpenStack answered 400: Can not find requested image$/,
        );
        return true;
      },
    );
    assert.deepEqual(await openstack.listServers(c, { name: `^${prefix}noimg$` }), []);
  });
});
