// The model's commands as a user runs them: validate, show, schema, on the demo repository.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'bin/aare.mjs');

function aare(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

describe('aare validate / show / schema on the demo', { concurrency: 4 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'aare-schema-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  test('validate: exit 0, nothing on stderr', async () => {
    const r = await aare('validate', '--repo', 'examples/demo');
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /valid \(2 resellers, 5 customers, 25 VMs/);
  });

  test('validate --format json', async () => {
    const r = await aare('validate', '--repo', 'examples/demo', '--format', 'json');
    assert.equal(r.status, 0);
    const j = JSON.parse(r.stdout) as { valid: boolean; diagnostics: unknown[] };
    assert.equal(j.valid, true);
    assert.deepEqual(j.diagnostics, []);
  });

  test('usage errors exit 2', async () => {
    assert.equal((await aare('validate', '--repo', 'no/such/dir')).status, 2);
    assert.equal((await aare('validate', '--repo', 'examples/demo', '--format', 'yaml')).status, 2);
    assert.equal((await aare('show', 'tenants', '--repo', 'examples/demo')).status, 2);
  });

  test('show vms --json: one entry per VM with address, reseller, customer, environment, role, profiles, fqdn', async () => {
    const r = await aare('show', 'vms', '--repo', 'examples/demo', '--json');
    assert.equal(r.status, 0);
    const vms = JSON.parse(r.stdout) as Record<string, unknown>[];
    assert.equal(vms.length, 25);
    const web1 = vms.find((v) => v.address === 'muster-ag/test/web1');
    assert.deepEqual(
      { ...web1, profiles: undefined },
      {
        address: 'muster-ag/test/web1',
        name: 'web1',
        reseller: 'alpine-it',
        customer: 'muster-ag',
        environment: 'test',
        role: 'shop_frontend',
        profiles: undefined,
        flavor: 'm1.small',
        image: 'rocky-9',
        fqdn: 'web1.test.muster-ag.cloud.example.ch',
      },
    );
    assert.deepEqual(web1?.profiles, [
      'base',
      'webserver',
      'php',
      'muster_shop',
      'monitoring_agent',
      'mail_relay_client',
    ]);
  });

  test('show customers --json: name, reseller, environments', async () => {
    const r = await aare('show', 'customers', '--repo', 'examples/demo', '--json');
    const customers = JSON.parse(r.stdout) as { name: string; reseller: string; environments: string[] }[];
    assert.deepEqual(
      customers.map((c) => `${c.reseller}/${c.name} ${c.environments.join(',')}`),
      [
        'alpine-it/bergbahn-ag test,production',
        'alpine-it/kaeserei-emmental test,production',
        'alpine-it/muster-ag test,production',
        'seeland-web/uhrwerk-sa test,production',
        'seeland-web/velo-club-biel test,production',
      ],
    );
  });

  test('show tables', async () => {
    for (const what of ['vms', 'customers', 'roles', 'profiles']) {
      const r = await aare('show', what, '--repo', 'examples/demo');
      assert.equal(r.status, 0, what);
      assert.match(r.stdout, what === 'profiles' ? /profile::muster_shop/ : /muster-ag|shop_frontend/);
    }
  });

  test('schema --out writes one schema per file kind', async () => {
    const r = await aare('schema', '--out', out);
    assert.equal(r.status, 0);
    assert.deepEqual(readdirSync(out).sort(), [
      'aare.schema.json',
      'customer.schema.json',
      'hiera-data.schema.json',
      'hiera.schema.json',
      'package.schema.json',
      'profile.schema.json',
      'reseller.schema.json',
      'role.schema.json',
    ]);
    const customer = JSON.parse(readFileSync(join(out, 'customer.schema.json'), 'utf8')) as { title: string };
    assert.equal(customer.title, 'Customer');
  });

  test('schema without --out prints every kind; with a kind only that one', async () => {
    const all = await aare('schema');
    assert.equal(all.status, 0, all.stderr);
    const schemas = JSON.parse(all.stdout) as Record<string, { title: string }>;
    assert.deepEqual(Object.keys(schemas).sort(), [
      'aare',
      'customer',
      'hiera',
      'hiera-data',
      'package',
      'profile',
      'reseller',
      'role',
    ]);
    assert.equal(schemas.customer?.title, 'Customer');
    const one = await aare('schema', 'customer');
    assert.equal(one.status, 0, one.stderr);
    assert.deepEqual(JSON.parse(one.stdout), schemas.customer);
  });
});
