// The relay's client map, in memory: which environments are permitted, in which order, in which
// text; and the satellite main.cf a mail-sending VM gets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mail } from '../../../src/providers/index.js';
import { loadControlRepo } from '../../../src/model/index.js';
import type { ControlRepo } from '../../../src/model/index.js';
import { relayhostOf, satelliteMainCf } from '../../../src/compile/index.js';
import { smallRepoFixture } from './mail-helpers.js';

type World = Pick<ControlRepo, 'vms' | 'profiles' | 'customers'>;

/** customers: name -> environment -> cidr; vms: [customer, environment, profiles]. */
function world(
  customers: Record<string, Record<string, string>>,
  vms: [string, string, string[]][],
  mailProfiles = ['mailer'],
): World {
  const names = new Set(vms.flatMap(([, , p]) => p));
  return {
    customers: new Map(
      Object.entries(customers).map(([name, envs]) => [
        name,
        {
          environments: new Map(
            Object.entries(envs).map(([env, cidr]) => [env, { name: env, network: { cidr } }]),
          ),
        },
      ]),
    ) as unknown as ControlRepo['customers'],
    profiles: new Map(
      [...names].map((n) => [n, { name: n, sendsMail: mailProfiles.includes(n) }]),
    ) as unknown as ControlRepo['profiles'],
    vms: vms.map(([customer, environment, profiles]) => ({
      customer,
      environment,
      profiles,
    })) as ControlRepo['vms'],
  };
}

test('only environments with a VM whose profiles send mail are permitted', () => {
  const w = world(
    { acme: { test: '10.1.1.0/24', production: '10.1.2.0/24' }, beta: { test: '10.2.1.0/24' } },
    [
      ['acme', 'test', ['base', 'mailer']],
      ['acme', 'production', ['base']],
      ['beta', 'test', ['mailer']],
      ['beta', 'test', ['base', 'mailer']],
    ],
  );
  assert.deepEqual(mail.relayClients(w), [
    { cidr: '10.1.1.0/24', environments: ['acme/test'] },
    { cidr: '10.2.1.0/24', environments: ['beta/test'] },
  ]);
});

test('sorted by address, IPv4 before IPv6; one entry for a range two customers share', () => {
  const w = world(
    {
      zulu: { test: '10.9.0.0/16', v6: '2001:db8:1::/64' },
      alpha: { test: '10.10.0.0/24', same: '10.9.0.0/16' },
      mid: { test: '9.0.0.0/8' },
    },
    [
      ['zulu', 'v6', ['mailer']],
      ['zulu', 'test', ['mailer']],
      ['alpha', 'test', ['mailer']],
      ['alpha', 'same', ['mailer']],
      ['mid', 'test', ['mailer']],
    ],
  );
  const clients = mail.relayClients(w);
  assert.deepEqual(
    clients.map((c) => c.cidr),
    ['9.0.0.0/8', '10.9.0.0/16', '10.10.0.0/24', '2001:db8:1::/64'],
  );
  assert.deepEqual(clients[1]!.environments, ['alpha/same', 'zulu/test']);
  assert.equal(
    mail.renderClientMap(clients),
    [
      '# Managed by Aare (aare mail relay-config): the customer networks that may relay mail',
      '# through this host. Rewritten from the control repository; do not edit (docs/mail.md).',
      '# mid/test',
      '9.0.0.0/8\tOK',
      '# alpha/same, zulu/test',
      '10.9.0.0/16\tOK',
      '# alpha/test',
      '10.10.0.0/24\tOK',
      '# zulu/v6',
      '2001:db8:1::/64\tOK',
      '',
    ].join('\n'),
  );
  // the same model in another order gives the same text
  const reversed = { ...w, vms: [...w.vms].reverse() };
  assert.equal(mail.renderClientMap(mail.relayClients(reversed)), mail.renderClientMap(clients));
});

test('no mail-sending VM: a map that permits nobody, and says why', () => {
  const w = world({ acme: { test: '10.1.1.0/24' } }, [['acme', 'test', ['base']]]);
  assert.deepEqual(mail.relayClients(w), []);
  assert.match(mail.renderClientMap([]), /^# no customer environment has a VM that sends mail$/m);
  assert.doesNotMatch(mail.renderClientMap([]), /OK/);
});

test('the main.cf lines name the map by its path', () => {
  assert.equal(
    mail.relayMainCf('/srv/relay/aare-clients.cidr'),
    '# Managed by Aare (aare mail relay-config): only the customer networks of the map may relay.\n' +
      'mynetworks = cidr:/srv/relay/aare-clients.cidr\n' +
      'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n',
  );
  assert.match(mail.relayMainCf(), /^mynetworks = cidr:\/etc\/postfix\/aare-clients\.cidr$/m);
});

test('a loaded control repository: the fixture permits both muster environments', () => {
  const r = loadControlRepo(smallRepoFixture);
  assert.deepEqual(
    r.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  assert.deepEqual(mail.relayClients(r.value), [
    { cidr: '10.20.1.0/24', environments: ['muster/test'] },
    { cidr: '10.20.2.0/24', environments: ['muster/production'] },
  ]);
});

test('the satellite relayhost is bracketed (no MX lookup), IPv6 kept as written', () => {
  assert.equal(relayhostOf('relay.example.ch:25'), '[relay.example.ch]:25');
  assert.equal(relayhostOf('[2001:db8::25]:587'), '[2001:db8::25]:587');
  const cf = satelliteMainCf('web1.test.acme.cloud.example', 'relay.example.ch:2525');
  assert.match(cf, /^relayhost = \[relay\.example\.ch\]:2525$/m);
  assert.match(cf, /^myhostname = web1\.test\.acme\.cloud\.example$/m);
  assert.match(cf, /^inet_interfaces = loopback-only$/m);
  assert.match(cf, /^mydestination =$/m);
});
