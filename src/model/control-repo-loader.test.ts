import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic } from '../diag/index.js';
import { findVm, loadControlRepo, vmFacts } from './index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const demo = join(root, 'examples/demo');

describe('the demo control repository', () => {
  const { value: controlRepo, diagnostics } = loadControlRepo(demo);

  test('loads without a diagnostic', () => {
    assert.deepEqual(diagnostics.map(formatDiagnostic), []);
  });

  test('has two resellers, five customers with test and production, about 25 VMs, the standard profiles and customer profiles', () => {
    assert.equal(controlRepo.resellers.size, 2);
    assert.equal(controlRepo.customers.size, 5);
    assert.ok(controlRepo.vms.length >= 23 && controlRepo.vms.length <= 27, `${controlRepo.vms.length} VMs`);
    for (const p of [
      'base',
      'webserver',
      'php',
      'mariadb',
      'postgresql',
      'haproxy',
      'mail_relay_client',
      'monitoring_agent',
      'backup_client',
    ])
      assert.ok(
        controlRepo.profiles.get(p) && !controlRepo.profiles.get(p)!.customer,
        `standard profile ${p}`,
      );
    const own = [...controlRepo.profiles.values()].filter((p) => p.customer);
    assert.ok(own.length >= 2, 'at least two customer-specific profiles');
    for (const c of controlRepo.customers.values())
      assert.deepEqual([...c.environments.keys()].sort(), ['production', 'test']);
  });

  test('the journey: Muster AG under Alpine IT with its shop', () => {
    const muster = controlRepo.customers.get('muster-ag');
    assert.equal(muster?.reseller, 'alpine-it');
    assert.equal(muster.source.file, 'tenants/alpine-it/muster-ag.yaml');
    const addresses = controlRepo.vms
      .filter((v) => v.customer === 'muster-ag')
      .map((v) => `${v.address} ${v.role}`);
    assert.deepEqual(addresses, [
      'muster-ag/production/db1 shop_db',
      'muster-ag/production/web1 shop_frontend',
      'muster-ag/production/web2 shop_frontend',
      'muster-ag/test/db1 shop_db',
      'muster-ag/test/web1 shop_frontend',
      'muster-ag/test/web2 shop_frontend',
    ]);
    const role = controlRepo.roles.get('shop_frontend')!;
    for (const p of ['base', 'webserver', 'php', 'muster_shop']) assert.ok(role.profiles.includes(p), p);
    assert.equal(role.customer, 'muster-ag', 'a role with a customer profile belongs to that customer');
    const shop = controlRepo.profiles.get('muster_shop')!;
    assert.equal(shop.customer, 'muster-ag');
    assert.equal(shop.puppetClass, 'profile::muster_shop');
    assert.deepEqual([...shop.parameters.keys()], ['shop_url', 'payment_endpoint', 'workers']);
    assert.equal(shop.parameters.get('shop_url')?.required, true);
    assert.equal(shop.parameters.get('workers')?.default, 2);
    assert.equal(shop.parameters.get('workers')?.typeText, 'Integer[1, 32]');
  });

  test('VMs: FQDN, per-environment overrides, facts, positions', () => {
    const web1 = findVm(controlRepo, 'muster-ag/production/web1')!;
    assert.equal(web1.fqdn, 'web1.production.muster-ag.cloud.example.ch');
    assert.equal(web1.flavor, 'm1.medium', 'production override');
    assert.equal(findVm(controlRepo, 'muster-ag/test/web1')?.flavor, 'm1.small');
    assert.equal(web1.source.file, 'tenants/alpine-it/muster-ag.yaml');
    assert.equal(web1.source.start.line, 18);
    assert.equal(findVm(controlRepo, 'muster-ag/staging/web1'), undefined);
    const sorted = [...controlRepo.vms].map((v) => v.address).sort();
    assert.deepEqual(
      controlRepo.vms.map((v) => v.address),
      sorted,
    );
    for (const vm of controlRepo.vms) assert.equal(findVm(controlRepo, vm.address), vm);
  });

  test('vmFacts: what Hiera sees', () => {
    const db1 = findVm(controlRepo, 'muster-ag/test/db1')!;
    assert.deepEqual(vmFacts(controlRepo, db1), {
      disk_class: 'ssd',
      reseller: 'alpine-it',
      customer: 'muster-ag',
      environment: 'test',
      role: 'shop_db',
      profiles: ['base', 'mariadb', 'backup_client', 'monitoring_agent'],
      vm: 'db1',
      hostname: 'db1',
      domain: 'test.muster-ag.cloud.example.ch',
      fqdn: 'db1.test.muster-ag.cloud.example.ch',
      clientcert: 'db1.test.muster-ag.cloud.example.ch',
    });
  });

  test('provider, packages and type aliases', () => {
    assert.equal(controlRepo.provider.dnsDomain, 'cloud.example.ch');
    assert.equal(controlRepo.provider.endpoints.dns?.apiKey, 'env:AARE_LAB_DNS_API_KEY');
    assert.equal(controlRepo.provider.maintenance.production.afterFreeze, 'P7D');
    assert.equal(controlRepo.provider.maintenance.timezone, 'Europe/Zurich');
    assert.ok(controlRepo.typeAliases.has('Aare::Port'));
    assert.equal(controlRepo.packages.get('muster-shop')?.spec, 'packaging/muster-shop.spec');
    assert.equal(
      controlRepo.packages.get('bergbahn-booking')?.build?.summary,
      'Ticket booking service of Bergbahn Hohgant AG',
    );
    assert.equal(controlRepo.hieraConfigFile, join(demo, 'hiera.yaml'));
    const web = controlRepo.profiles.get('webserver')!;
    assert.equal(web.files[0]?.templateFile, join(demo, 'profiles/templates/webserver/nginx.conf.eta'));
  });
});

describe('loadControlRepo reports every mistake at once', () => {
  const work = mkdtempSync(join(tmpdir(), 'aare-model-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  test('three mistakes in three files: three diagnostics, sorted by the CLI', () => {
    const dir = join(work, 'three');
    cpSync(join(root, 'test/model/broken/base'), dir, { recursive: true });
    writeFileSync(join(dir, 'roles/web.yaml'), 'description: Web.\nprofiles: [base, wbe]\n');
    writeFileSync(
      join(dir, 'tenants/resel/beta.yaml'),
      [
        'displayName: Beta',
        'contact: { name: Bob, email: bob@beta.example }',
        'environments:',
        '  test: { network: { cidr: 10.1.1.0/33 } }',
        'vms:',
        '  app1: { role: shop, flavor: m1.small, image: rocky-9, environments: [test] }',
        '',
      ].join('\n'),
    );
    const { diagnostics } = loadControlRepo(dir);
    assert.deepEqual(diagnostics.map(formatDiagnostic).sort(), [
      "roles/web.yaml:2:18: error UNKNOWN_REFERENCE: unknown profile 'wbe'; did you mean 'web'?",
      'tenants/resel/beta.yaml:4:28: error CIDR_INVALID: prefix /33 is longer than 32 bits',
      "tenants/resel/beta.yaml:6:17: error CUSTOMER_SCOPE: role 'shop' belongs to customer 'acme', not 'beta'",
    ]);
  });

  test('a directory that is not a control repository', () => {
    const { diagnostics } = loadControlRepo(join(work, 'nothing-here'));
    assert.deepEqual(
      diagnostics.map((d) => `${d.source?.file} ${d.code}`),
      ['aare.yaml REPO_FILE_MISSING', 'hiera.yaml HIERA_CONFIG'],
    );
  });
});
