// Benchmark: `aare plan`'s refresh for about 200 VMs across 40 customers against the lab's real
// OpenStack: plan time and the number of HTTP requests, with the engine's listing per kind (one
// request per kind and page) against the same engine reading each recorded resource by id (one
// GET per resource, what a per-resource refresh costs), as a ratio from the same run.
//
//   eval "$(aare lab env)"; node --import tsx bench/plan/plan-bench.ts [--customers 40] [--vms 200]
//
// The state is seeded with a record per resource (ids that OpenStack does not know, so each
// per-resource GET is a real request answered 404, and the listings come back small): the
// request counts are exact; the times are a floor for a cloud where the objects exist.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore, nowIso } from '../../src/store/index.js';
import { dependenciesOf, makePlan } from '../../src/engine/index.js';
import type { DriverSet, EngineContext } from '../../src/engine/index.js';
import { openstack } from '../../src/providers/index.js';

const { values: args } = parseArgs({
  options: { customers: { type: 'string', default: '40' }, vms: { type: 'string', default: '200' } },
});
const customers = Number(args.customers);
const vmCount = Number(args.vms);
if (!process.env.OS_CLIENT_CONFIG_FILE) {
  process.stderr.write('plan-bench: needs the lab: eval "$(aare lab env)"\n');
  process.exit(2);
}

const prefix = `bench${Date.now().toString(36)}-`;
const input: openstack.CloudInput = {
  prefix,
  resellers: Array.from({ length: Math.ceil(customers / 5) }, (_, i) => ({ name: `reseller-${i}` })),
  customers: Array.from({ length: customers }, (_, i) => ({
    name: `customer-${i}`,
    reseller: `reseller-${Math.floor(i / 5)}`,
    environments: [
      { name: 'test', cidr: `10.${i}.1.0/24` },
      { name: 'production', cidr: `10.${i}.2.0/24` },
    ],
  })),
  vms: Array.from({ length: vmCount }, (_, i) => {
    const c = i % customers;
    const env = i % 2 === 0 ? 'test' : 'production';
    const name = `vm${i}`;
    return {
      address: `customer-${c}/${env}/${name}`,
      customer: `customer-${c}`,
      environment: env,
      name,
      fqdn: `${name}.${env}.customer-${c}.cloud.example.ch`,
      flavor: 'm1.tiny',
      imageId: '00000000-0000-0000-0000-000000000000',
      userData: `#cloud-config\nhostname: ${name}\n`,
      rules: [{ protocol: 'tcp' as const, port: 22, remoteCidr: '0.0.0.0/0' }],
    };
  }),
};
const desired = openstack.openstackResources(input, () => undefined).value;

async function run(label: string, drivers: (client: openstack.OpenStackClient) => DriverSet) {
  const store = await openStore({ sqlitePath: ':memory:' });
  for (const d of desired) {
    await store.db
      .insertInto('engine_resources')
      .values({
        address: d.address,
        kind: d.kind,
        scope: d.scope,
        endpoint: 'bench',
        state: JSON.stringify({ id: randomUUID() }),
        desired: JSON.stringify(d.desired),
        depends_on: JSON.stringify(dependenciesOf(d)),
        updated_at: nowIso(),
      })
      .execute();
  }
  const client = openstack.openStackClientFromEnv({ env: process.env });
  await client.session.token();
  for (const s of ['compute', 'network', 'identity'] as const) await client.baseUrl(s);
  const before = client.transport.stats.requests;
  const ctx: EngineContext = {
    store,
    drivers: drivers(client),
    limits: { keystone: 2, neutron: 4, nova: 4 },
  };
  const t0 = performance.now();
  const plan = await makePlan(ctx, { desired, filter: {}, mode: 'apply' });
  const ms = performance.now() - t0;
  await store.close();
  if (!plan.value) throw new Error(JSON.stringify(plan.diagnostics));
  return {
    label,
    resources: desired.length,
    requests: client.transport.stats.requests - before,
    ms: Math.round(ms),
  };
}

const listing = await run('engine: one listing per kind', (client) =>
  openstack.openstackDrivers({ client, prefix }),
);
const perResource = await run('one GET per resource', (client) => {
  const set = openstack.openstackDrivers({ client, prefix });
  return new Map([...set].map(([k, d]) => [k, { ...d, list: undefined }]));
});
const result = {
  bench: 'plan',
  customers,
  vms: vmCount,
  resources: desired.length,
  runs: [listing, perResource],
  ratio: {
    requests: +(perResource.requests / listing.requests).toFixed(1),
    time: +(perResource.ms / listing.ms).toFixed(1),
  },
};
process.stdout.write(
  `plan refresh, ${vmCount} VMs across ${customers} customers (${desired.length} resources):\n` +
    `  ${listing.label.padEnd(32)} ${String(listing.requests).padStart(5)} requests ${String(listing.ms).padStart(7)} ms\n` +
    `  ${perResource.label.padEnd(32)} ${String(perResource.requests).padStart(5)} requests ${String(perResource.ms).padStart(7)} ms\n` +
    `  ratio: ${result.ratio.requests}x fewer requests, ${result.ratio.time}x faster\n`,
);
const out = join(import.meta.dirname, '../out');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'plan.json'), JSON.stringify(result, null, 2) + '\n');
