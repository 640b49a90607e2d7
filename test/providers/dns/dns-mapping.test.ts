// The DNS mapping and provider in memory: names, zones, ownership tags, conflicts, and that DNS
// uses the same fixed IPs as the OpenStack ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompiledVm } from '../../../src/compile/index.js';
import type { DesiredResource } from '../../../src/engine/index.js';
import type { ControlRepo, Customer, Environment, Vm } from '../../../src/model/index.js';
import { dns, openstack } from '../../../src/providers/index.js';
import type { DesiredRequest } from '../../../src/providers/index.js';

const src = { file: 'tenants/x.yaml', start: { line: 1, col: 1 } };

test('names: reverse zones by whole octets, PTR names, addresses relative to the zone', () => {
  assert.equal(dns.reverseZoneOf('10.1.2.0/24'), '2.1.10.in-addr.arpa.');
  assert.equal(dns.reverseZoneOf('10.1.0.0/16'), '1.10.in-addr.arpa.');
  assert.equal(dns.reverseZoneOf('10.1.16.0/20'), '1.10.in-addr.arpa.');
  assert.equal(dns.reverseZoneOf('10.1.2.128/25'), '2.1.10.in-addr.arpa.');
  assert.equal(dns.ptrNameOf('10.1.2.13'), '13.2.1.10.in-addr.arpa.');
  assert.equal(
    dns.addressOf.rrset('cloud.example.ch.', 'web1.test.acme.cloud.example.ch.', 'A'),
    'dns.rrset.cloud.example.ch/web1.test.acme/A',
  );
  assert.equal(
    dns.addressOf.rrset('cloud.example.ch.', 'cloud.example.ch.', 'A'),
    'dns.rrset.cloud.example.ch/@/A',
  );
  assert.equal(dns.addressOf.zone('2.1.10.in-addr.arpa.'), 'dns.zone.2.1.10.in-addr.arpa');
});

test('mapping: zones first, then per VM A, PTR and one CNAME per alias, scoped to the VM', () => {
  const r = dns.dnsResources({
    domain: 'cloud.example.ch',
    environments: [{ scope: 'acme/test', cidr: '10.1.2.0/24' }],
    vms: [
      {
        address: 'acme/test/web1',
        environment: 'acme/test',
        fqdn: 'web1.test.acme.cloud.example.ch',
        ipv4: '10.1.2.10',
        ipv6: 'fd00::10',
        aliases: ['www.test.acme.cloud.example.ch', 'web1.test.acme.cloud.example.ch'],
        after: ['openstack.port.acme/test/web1'],
      },
    ],
  });
  assert.deepEqual(r.diagnostics, []);
  const byAddress = Object.fromEntries(r.value.map((x) => [x.address, x]));
  assert.deepEqual(Object.keys(byAddress), [
    'dns.zone.cloud.example.ch',
    'dns.zone.2.1.10.in-addr.arpa',
    'dns.rrset.cloud.example.ch/web1.test.acme/A',
    'dns.rrset.cloud.example.ch/web1.test.acme/AAAA',
    'dns.rrset.2.1.10.in-addr.arpa/10/PTR',
    'dns.rrset.cloud.example.ch/www.test.acme/CNAME',
  ]);
  assert.equal(byAddress['dns.zone.cloud.example.ch']!.scope, '');
  const a = byAddress['dns.rrset.cloud.example.ch/web1.test.acme/A']!;
  assert.equal(a.scope, 'acme/test/web1');
  assert.deepEqual(a.dependsOn, ['dns.zone.cloud.example.ch', 'openstack.port.acme/test/web1']);
  assert.deepEqual(a.desired, {
    zone: 'cloud.example.ch.',
    name: 'web1.test.acme.cloud.example.ch.',
    type: 'A',
    ttl: dns.DEFAULT_TTL,
    records: ['10.1.2.10'],
  });
  assert.deepEqual(
    (byAddress['dns.rrset.2.1.10.in-addr.arpa/10/PTR']!.desired as dns.DnsRRsetDesired).records,
    ['web1.test.acme.cloud.example.ch.'],
  );
  assert.deepEqual(
    (byAddress['dns.rrset.cloud.example.ch/www.test.acme/CNAME']!.desired as dns.DnsRRsetDesired).records,
    ['web1.test.acme.cloud.example.ch.'],
  );
});

test('mapping: a name several VMs declare is one round-robin A record of their environment', () => {
  const vm = (name: string, host: number, aliases: string[]) => ({
    address: `acme/test/${name}`,
    environment: 'acme/test',
    fqdn: `${name}.test.acme.cloud.example.ch`,
    ipv4: `10.1.2.${host}`,
    aliases: aliases.map((x) => `${x}.test.acme.cloud.example.ch`),
    after: [`openstack.port.acme/test/${name}`],
    source: src,
  });
  const r = dns.dnsResources({
    domain: 'cloud.example.ch',
    environments: [{ scope: 'acme/test', cidr: '10.1.2.0/24' }],
    vms: [vm('web1', 10, ['www', 'shop']), vm('web2', 11, ['www']), vm('db1', 12, [])],
  });
  assert.deepEqual(r.diagnostics, []);
  const www = r.value.filter((x) => x.address.includes('/www.test.acme/'));
  assert.deepEqual(
    www.map((x) => [x.address, x.scope, x.dependsOn, (x.desired as dns.DnsRRsetDesired).records]),
    [
      [
        'dns.rrset.cloud.example.ch/www.test.acme/A',
        'acme/test',
        ['dns.zone.cloud.example.ch', 'openstack.port.acme/test/web1', 'openstack.port.acme/test/web2'],
        ['10.1.2.10', '10.1.2.11'],
      ],
    ],
  );
  assert.ok(r.value.some((x) => x.address === 'dns.rrset.cloud.example.ch/shop.test.acme/CNAME'));
});

test('mapping: an alias equal to the FQDN of another VM is a diagnostic at the VM that wants it', () => {
  const r = dns.dnsResources({
    domain: 'cloud.example.ch',
    environments: [{ scope: 'acme/test', cidr: '10.1.2.0/24' }],
    vms: [
      {
        address: 'acme/test/web1',
        environment: 'acme/test',
        fqdn: 'web1.test.acme.cloud.example.ch',
        ipv4: '10.1.2.10',
        aliases: [],
      },
      {
        address: 'acme/test/db1',
        environment: 'acme/test',
        fqdn: 'db1.test.acme.cloud.example.ch',
        ipv4: '10.1.2.11',
        aliases: ['web1.test.acme.cloud.example.ch'],
        source: src,
      },
    ],
  });
  assert.deepEqual(
    r.diagnostics.map((d) => [d.code, d.address, d.source?.file]),
    [['DUPLICATE_NAME', 'acme/test/db1', 'tenants/x.yaml']],
  );
  assert.equal(r.value.filter((x) => x.address.includes('/web1.test.acme/')).length, 1);
});

test('rrset diff: records compare as a set; zone, name and type cannot change in place', () => {
  const d = dns.dnsDrivers(undefined as unknown as dns.PdnsClient).get('dns.rrset')!;
  const desired = { zone: 'z.', name: 'a.z.', type: 'A', ttl: 300, records: ['10.0.0.2', '10.0.0.1'] };
  const actual = {
    id: 'a.z.|A',
    zone: 'z.',
    name: 'a.z.',
    type: 'A',
    ttl: 300,
    records: ['10.0.0.1', '10.0.0.2'],
  };
  assert.deepEqual(d.diff(desired, actual), { changes: [], replace: false, reasons: [] });
  const changed = d.diff({ ...desired, records: ['10.0.0.3'], ttl: 60 }, actual);
  assert.deepEqual(
    changed.changes.map((c) => c.path),
    ['records', 'ttl'],
  );
  assert.equal(changed.replace, false);
  assert.equal(d.diff({ ...desired, type: 'AAAA' }, actual).replace, true);
});

// ---- the provider: settings, no endpoint, and the same addresses as the OpenStack ports ----

function request(recordedPortIp?: string): DesiredRequest {
  const env = (name: string, cidr: string): Environment => ({ name, network: { cidr }, source: src });
  const customer: Customer = {
    name: 'acme',
    reseller: 'r',
    displayName: 'Acme',
    contact: { name: 'x', email: 'x@example.ch' },
    environments: new Map([['test', env('test', '10.1.2.0/24')]]),
    source: src,
  };
  const vm = (name: string): { vm: Vm; compiled: CompiledVm } => ({
    vm: {
      address: `acme/test/${name}`,
      name,
      customer: 'acme',
      environment: 'test',
      fqdn: `${name}.test.acme.cloud.example.ch`,
      flavor: 'm1.small',
      image: 'deb',
      source: src,
    } as Vm,
    compiled: {
      desired: {
        dnsNames: [
          { name: `${name}.test.acme.cloud.example.ch`, type: 'A', from: 'fqdn' },
          { name: `${name}-alias.test.acme.cloud.example.ch`, type: 'A', from: 'web' },
        ],
      },
    } as CompiledVm,
  });
  return {
    filter: {},
    customers: [{ customer, environments: [...customer.environments.values()] }],
    vms: [vm('web1'), vm('db1')],
    recorded: (address) =>
      address === 'openstack.port.acme/test/db1' && recordedPortIp ? { ip: recordedPortIp } : undefined,
  };
}

function controlRepo(withDns: boolean): ControlRepo {
  return {
    root: '/nonexistent',
    provider: {
      dnsDomain: 'cloud.example.ch',
      endpoints: withDns
        ? { dns: { api: 'http://127.0.0.1:1/api/v1', apiKey: 'env:MY_DNS_KEY', server: 'localhost' } }
        : {},
    },
  } as unknown as ControlRepo;
}

test('provider: A records carry the address the OpenStack port gets, and wait for the port', async () => {
  const session = await dns.dnsProvider.open({
    controlRepo: controlRepo(true),
    settings: dns.dnsProvider.settings({ MY_DNS_KEY: 'k' }),
  });
  assert.deepEqual(
    session.drivers.map((d) => d.kind),
    ['dns.zone', 'dns.rrset'],
  );
  const req = request('10.1.2.42');
  const r = await session.desired(req);
  assert.deepEqual(r.diagnostics, []);
  const aOf = (vm: string) =>
    r.value.find((x: DesiredResource) => x.address === `dns.rrset.cloud.example.ch/${vm}.test.acme/A`)!;
  const ports = openstack.vmFixedIps(req).value;
  assert.deepEqual((aOf('web1').desired as dns.DnsRRsetDesired).records, [ports.get('acme/test/web1')]);
  assert.deepEqual((aOf('db1').desired as dns.DnsRRsetDesired).records, ['10.1.2.42']);
  assert.deepEqual((aOf('web1').desired as dns.DnsRRsetDesired).records, ['10.1.2.10']);
  assert.ok(aOf('web1').dependsOn.includes('openstack.port.acme/test/web1'));
  assert.ok(r.value.some((x) => x.address === 'dns.rrset.cloud.example.ch/web1-alias.test.acme/CNAME'));
  assert.ok(!JSON.stringify(r.value).includes('"k"'), 'the API key is in no desired resource');
});

test('provider: without a DNS endpoint it contributes nothing; without a key it says which variable', async () => {
  const none = await dns.dnsProvider.open({
    controlRepo: controlRepo(false),
    settings: dns.dnsProvider.settings({}),
  });
  assert.deepEqual(none.drivers, []);
  assert.deepEqual(await none.desired(request()), { value: [], diagnostics: [] });
  await assert.rejects(
    dns.dnsProvider.open({ controlRepo: controlRepo(true), settings: dns.dnsProvider.settings({}) }),
    (err: { diagnostics: { code: string; field?: string; summary: string }[] }) => {
      assert.equal(err.diagnostics[0]!.code, 'DNS_CONFIG');
      assert.equal(err.diagnostics[0]!.field, 'endpoints.dns.apiKey');
      assert.match(err.diagnostics[0]!.summary, /AARE_DNS_API_KEY nor MY_DNS_KEY/);
      return true;
    },
  );
  // AARE_DNS_API_KEY wins over aare.yaml's reference
  const s = dns.dnsProvider.settings({ AARE_DNS_API_KEY: 'x' });
  assert.equal(s.apiKey, 'x');
});
