// Neutron against the lab: every kind Aare manages, created, listed, changed and deleted; pagination; errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openstack } from '../../../src/providers/index.js';
import { Cleanup, labClient, runPrefix, skipWithoutLab } from './lab-cloud.js';

describe('neutron (lab)', { skip: skipWithoutLab }, () => {
  const cleanup = new Cleanup();
  const prefix = runPrefix();
  let c: openstack.OpenStackClient;
  before(() => {
    c = labClient();
  });
  after(() => cleanup.run());

  test('network, subnet, router with gateway and interface, then torn down in order', async () => {
    const net = await openstack.networks.create(c, {
      name: `${prefix}net`,
      description: 'aare test',
      tags: ['aare-test'],
    });
    cleanup.add('delete network', () => openstack.networks.delete(c, net.id));
    assert.equal(net.name, `${prefix}net`);
    assert.deepEqual(net.tags, ['aare-test']);
    assert.deepEqual((await openstack.networks.get(c, net.id))?.tags, ['aare-test']);

    const sub = await openstack.subnets.create(c, {
      name: `${prefix}sub`,
      network_id: net.id,
      ip_version: 4,
      cidr: '10.91.0.0/24',
      dns_nameservers: ['192.0.2.53'],
    });
    cleanup.add('delete subnet', () => openstack.subnets.delete(c, sub.id));
    assert.equal(sub.gateway_ip, '10.91.0.1');
    assert.deepEqual(sub.dns_nameservers, ['192.0.2.53']);

    const [pub] = await openstack.networks.list(c, { name: 'public', 'router:external': true });
    assert.ok(pub, 'the lab has an external network public');
    const router = await openstack.routers.create(c, {
      name: `${prefix}rtr`,
      external_gateway_info: { network_id: pub.id },
    });
    cleanup.add('delete router', () => openstack.routers.delete(c, router.id));
    assert.equal(router.external_gateway_info?.network_id, pub.id);

    const iface = await openstack.addRouterInterface(c, router.id, sub.id);
    cleanup.add('remove interface', () => openstack.removeRouterInterface(c, router.id, sub.id));
    assert.equal(iface.subnet_id, sub.id);
    const ifaces = await openstack.listRouterInterfaces(c, router.id);
    assert.deepEqual(
      ifaces.map((i) => i.subnet_id),
      [sub.id],
    );
    // attaching twice is refused with Neutron's reason, as a typed error
    await assert.rejects(openstack.addRouterInterface(c, router.id, sub.id), (err: unknown) => {
      assert.ok(openstack.codeForStatus((err as { status: number }).status));
      assert.equal((err as { code: string }).code, 'OPENSTACK_BAD_REQUEST');
      assert.match((err as Error).message, /Router already has a port on subnet/);
      return true;
    });

    // gateway off and on again (in place)
    const noGw = await openstack.setRouterGateway(c, router.id, null);
    assert.equal(noGw.external_gateway_info, null);
    await openstack.setRouterGateway(c, router.id, pub.id);

    // now tear down by hand in the right order, checking each is gone
    assert.equal(await openstack.removeRouterInterface(c, router.id, sub.id), true);
    assert.equal(
      await openstack.removeRouterInterface(c, router.id, sub.id),
      false,
      'second detach is a no-op',
    );
    assert.equal(await openstack.routers.delete(c, router.id), true);
    assert.equal(await openstack.routers.get(c, router.id), undefined);
    assert.equal(await openstack.subnets.delete(c, sub.id), true);
    assert.equal(await openstack.networks.delete(c, net.id), true);
    assert.equal(await openstack.networks.delete(c, net.id), false, 'deleting what is gone succeeds');
  });

  test('security group with rules: create, read back, delete a rule', async () => {
    const sg = await openstack.securityGroups.create(c, { name: `${prefix}sg`, description: 'web' });
    cleanup.add('delete security group', () => openstack.securityGroups.delete(c, sg.id));
    const egressDefaults = sg.security_group_rules.filter((r) => r.direction === 'egress');
    assert.equal(egressDefaults.length, 2, 'Neutron adds IPv4 and IPv6 egress rules');
    const https = await openstack.securityGroupRules.create(c, {
      security_group_id: sg.id,
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'tcp',
      port_range_min: 443,
      port_range_max: 443,
      remote_ip_prefix: '0.0.0.0/0',
    });
    const dns = await openstack.securityGroupRules.create(c, {
      security_group_id: sg.id,
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'udp',
      port_range_min: 53,
      port_range_max: 53,
      remote_ip_prefix: '10.0.0.0/8',
    });
    const read = await openstack.securityGroups.get(c, sg.id);
    const ingress = read?.security_group_rules.filter((r) => r.direction === 'ingress') ?? [];
    assert.deepEqual(
      ingress.map((r) => `${r.protocol}/${r.port_range_min} from ${r.remote_ip_prefix}`).sort(),
      ['tcp/443 from 0.0.0.0/0', 'udp/53 from 10.0.0.0/8'],
    );
    // the same rule twice is a conflict
    await assert.rejects(
      openstack.securityGroupRules.create(c, {
        security_group_id: sg.id,
        direction: 'ingress',
        ethertype: 'IPv4',
        protocol: 'tcp',
        port_range_min: 443,
        port_range_max: 443,
        remote_ip_prefix: '0.0.0.0/0',
      }),
      { code: 'OPENSTACK_CONFLICT', status: 409 },
    );
    assert.equal(await openstack.securityGroupRules.delete(c, dns.id), true);
    const after1 = await openstack.securityGroupRules.list(c, {
      security_group_id: sg.id,
      direction: 'ingress',
    });
    assert.deepEqual(
      after1.map((r) => r.id),
      [https.id],
    );
    const renamed = await openstack.securityGroups.update(c, sg.id, { description: 'web, https only' });
    assert.equal(renamed.description, 'web, https only');
  });

  test('port with a fixed IP and security group; status DOWN while unbound', async () => {
    const net = await openstack.networks.create(c, { name: `${prefix}pnet` });
    cleanup.add('delete port network', () => openstack.networks.delete(c, net.id));
    const sub = await openstack.subnets.create(c, {
      name: `${prefix}psub`,
      network_id: net.id,
      ip_version: 4,
      cidr: '10.92.0.0/24',
    });
    cleanup.add('delete port subnet', () => openstack.subnets.delete(c, sub.id));
    const sg = await openstack.securityGroups.create(c, { name: `${prefix}psg` });
    cleanup.add('delete port sg', () => openstack.securityGroups.delete(c, sg.id));
    const port = await openstack.ports.create(c, {
      name: `${prefix}port`,
      network_id: net.id,
      fixed_ips: [{ subnet_id: sub.id, ip_address: '10.92.0.10' }],
      security_groups: [sg.id],
      tags: ['aare-test'],
    });
    cleanup.add('delete port', () => openstack.ports.delete(c, port.id));
    assert.deepEqual(port.fixed_ips, [{ subnet_id: sub.id, ip_address: '10.92.0.10' }]);
    assert.deepEqual(port.security_groups, [sg.id]);
    assert.deepEqual(port.tags, ['aare-test']);
    const down = await openstack.waitForPort(c, port.id, 'DOWN', { timeoutMs: 10_000 });
    assert.equal(down.device_id, '');
    const found = await openstack.ports.list(c, { tags: 'aare-test', network_id: net.id });
    assert.deepEqual(
      found.map((p) => p.id),
      [port.id],
    );
    // a port never becomes ACTIVE without a server: the wait times out with the last status
    await assert.rejects(
      openstack.waitForPort(c, port.id, 'ACTIVE', { timeoutMs: 1_000, intervalMs: 200 }),
      (err: unknown) => {
        assert.equal((err as { code: string }).code, 'OPENSTACK_TIMEOUT');
        assert.match((err as Error).message, /port .* to become ACTIVE: not done after 1 s \(status DOWN\)/);
        return true;
      },
    );
  });

  test('pagination: more networks than a page, every page followed', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `${prefix}page-${i}`);
    for (const name of names) {
      const n = await openstack.networks.create(c, { name, tags: [`${prefix}page`] });
      cleanup.add(`delete ${name}`, () => openstack.networks.delete(c, n.id));
    }
    const before1 = c.transport.stats.requests;
    const all = await openstack.networks.list(c, { tags: `${prefix}page` }, { pageSize: 3 });
    assert.deepEqual(all.map((n) => n.name).sort(), names);
    assert.ok(c.transport.stats.requests - before1 >= 3, 'three pages or more');
    const unpaged = await openstack.networks.list(c, { tags: `${prefix}page` });
    assert.equal(unpaged.length, 7);
  });

  test('a bad request names the field; a missing object is undefined, not an error', async () => {
    await assert.rejects(
      openstack.subnets.create(c, {
        name: `${prefix}bad`,
        network_id: 'not-a-uuid',
        ip_version: 4,
        cidr: '10.0.0.0/24',
      }),
      (err: unknown) => {
        assert.equal((err as { code: string }).code, 'OPENSTACK_BAD_REQUEST');
        assert.equal((err as { status: number }).status, 400);
        assert.match(
          (err as Error).message,
          /^create subnet aaret-\w+-bad: OpenStack answered 400: Invalid input for network_id/,
        );
        assert.ok((err as { requestId?: string }).requestId?.startsWith('req-'));
        return true;
      },
    );
    assert.equal(await openstack.networks.get(c, '00000000-0000-0000-0000-000000000000'), undefined);
  });
});
