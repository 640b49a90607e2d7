import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDesired } from '../../src/compile/index.js';
import type { DesiredInput } from '../../src/compile/index.js';

const base: DesiredInput = {
  address: 'muster/test/web1',
  vm: {
    name: 'web1',
    hostname: 'web1',
    fqdn: 'web1.test.muster.cloud.acme.test',
    reseller: 'alpine',
    customer: 'muster',
    environment: 'test',
    role: 'webserver',
    profiles: ['base', 'web', 'php'],
  },
  flavor: 'small',
  image: 'rocky9',
  dnsDomain: 'cloud.acme.test',
  network: { cidr: '10.20.1.0/24' },
  profiles: [
    {
      name: 'base',
      firewall: [{ port: 22, protocol: 'tcp', from: '10.0.0.0/8' }],
      backupPaths: ['/etc'],
      logs: ['/var/log/messages'],
      dnsNames: [],
      sendsMail: false,
    },
    {
      name: 'web',
      firewall: [
        { port: 443, protocol: 'tcp', from: 'any' },
        { port: 80, protocol: 'tcp', from: 'any' },
      ],
      backupPaths: ['/srv', '/etc'],
      logs: ['/var/log/nginx/access.log'],
      dnsNames: ['www', 'shop'],
      sendsMail: false,
    },
    {
      name: 'php',
      firewall: [{ port: 443, protocol: 'tcp', from: 'any' }],
      backupPaths: [],
      logs: [],
      dnsNames: ['www'],
      sendsMail: true,
    },
  ],
  backupSettings: {
    schedule: '02:30',
    retentionDays: 30,
    extraPaths: ['/opt/data'],
    from: { schedule: 'profile::backup_client::schedule', retentionDays: 'default' },
  },
  userDataSha256: 'ab'.repeat(32),
};

test('security group rules come from the profiles, merged per (protocol, port, source) and sorted', () => {
  const d = buildDesired(base);
  assert.deepEqual(
    d.securityGroupRules.map((r) => [r.protocol, r.port, r.remoteCidr, r.profiles]),
    [
      ['tcp', 22, '10.0.0.0/8', ['base']],
      ['tcp', 80, '0.0.0.0/0', ['web']],
      ['tcp', 443, '0.0.0.0/0', ['web', 'php']],
    ],
  );
});

test('DNS names: the FQDN first, then profile names in the environment zone, once each', () => {
  assert.deepEqual(
    buildDesired(base).dnsNames.map((n) => [n.name, n.from]),
    [
      ['web1.test.muster.cloud.acme.test', 'fqdn'],
      ['www.test.muster.cloud.acme.test', 'web'],
      ['shop.test.muster.cloud.acme.test', 'web'],
    ],
  );
});

test('backup, logs, mail and network', () => {
  const d = buildDesired(base);
  assert.deepEqual(d.backup?.paths, ['/etc', '/opt/data', '/srv']);
  assert.equal(d.backup?.retentionDays, 30);
  assert.equal(d.backup?.schedule, '02:30');
  assert.deepEqual(
    d.logs.map((l) => [l.path, l.tag]),
    [
      ['/var/log/messages', 'messages'],
      ['/var/log/nginx/access.log', 'access'],
    ],
  );
  assert.deepEqual(d.mail, { relay: true, profiles: ['php'] });
  assert.deepEqual(d.network, {
    name: 'muster-test',
    customer: 'muster',
    environment: 'test',
    cidr: '10.20.1.0/24',
  });
  assert.equal(d.server.network, 'muster-test');
});

test('no backup job without backup paths; no relay without a mail-sending profile', () => {
  const d = buildDesired({
    ...base,
    profiles: base.profiles.map((p) => ({ ...p, backupPaths: [], sendsMail: false })),
  });
  assert.equal(d.backup, undefined);
  assert.equal(d.mail.relay, false);
});
