// Benchmark: Aare's OpenStack client against the `openstack` CLI (python-openstackclient), the tool
// an operator would script instead, on the lab, from one run:
//  1. refresh: list networks, subnets, routers, security groups, ports, servers, images, flavors
//     (what `aare plan` does to see the real state), N rounds;
//  2. a server from request to ACTIVE and back to deleted (Nova dominates: the ratio shows overhead).
// Prints a table and writes bench/out/openstack-client.json.
//
//   eval "$(node bin/aare.mjs lab env)"; node --import tsx bench/openstack/openstack-client-bench.ts [--rounds 5]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openstack } from '../../src/providers/index.js';

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const rounds = Number(args.rounds);
if (!process.env.OS_CLIENT_CONFIG_FILE || !process.env.OS_CLOUD) {
  console.error('needs the lab: eval "$(node bin/aare.mjs lab env)"');
  process.exit(2);
}
const root = new URL('../..', import.meta.url).pathname;
const ms = (t0: number) => performance.now() - t0;
const cli = (...a: string[]) =>
  execFileSync('openstack', a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

// ---------------------------------------------------------------- 1. refresh
const cliLists = [
  ['network', 'list'],
  ['subnet', 'list'],
  ['router', 'list'],
  ['security', 'group', 'list'],
  ['port', 'list'],
  ['server', 'list'],
  ['image', 'list'],
  ['flavor', 'list'],
];
const c = openstack.openStackClientFromEnv({ env: process.env });
async function aareRefresh(client: openstack.OpenStackClient): Promise<number> {
  const lists = await Promise.all([
    openstack.networks.list(client),
    openstack.subnets.list(client),
    openstack.routers.list(client),
    openstack.securityGroups.list(client),
    openstack.ports.list(client),
    openstack.listServers(client),
    openstack.listImages(client),
    openstack.listFlavors(client),
  ]);
  return lists.reduce((n, l) => n + l.length, 0);
}
let t0 = performance.now();
const objects = await aareRefresh(c); // cold: includes the token
const aareCold = ms(t0);
const aareWarm: number[] = [];
for (let i = 0; i < rounds; i++) {
  t0 = performance.now();
  await aareRefresh(c);
  aareWarm.push(ms(t0));
}
const cliRounds: number[] = [];
for (let i = 0; i < rounds; i++) {
  t0 = performance.now();
  for (const a of cliLists) cli(...a, '-f', 'json');
  cliRounds.push(ms(t0));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

// ---------------------------------------------------------------- 2. server lifecycle
const prefix = `aareb-${process.pid}-`;
const net = await openstack.networks.create(c, { name: `${prefix}net` });
const sub = await openstack.subnets.create(c, {
  name: `${prefix}sub`,
  network_id: net.id,
  ip_version: 4,
  cidr: '10.99.0.0/24',
});
const image = await openstack.findImage(c, 'aare-tiny');
const lifecycle = { aare: NaN, cli: NaN };
try {
  t0 = performance.now();
  const id = await openstack.createServer(c, {
    name: `${prefix}a`,
    imageRef: image!.id,
    flavorRef: '1',
    networks: [{ uuid: net.id }],
    userData: '#cloud-config\n',
  });
  await openstack.waitForServer(c, id, 'ACTIVE', { timeoutMs: 120_000 });
  await openstack.deleteServer(c, id);
  await openstack.waitForServerGone(c, id, { timeoutMs: 120_000 });
  lifecycle.aare = ms(t0);

  t0 = performance.now();
  cli(
    'server',
    'create',
    '--image',
    'aare-tiny',
    '--flavor',
    'm1.tiny',
    '--network',
    net.id,
    '--wait',
    `${prefix}b`,
    '-f',
    'json',
  );
  cli('server', 'delete', '--wait', `${prefix}b`);
  lifecycle.cli = ms(t0);
} finally {
  await openstack.subnets.delete(c, sub.id);
  await openstack.networks.delete(c, net.id);
}

const result = {
  when: new Date().toISOString(),
  objectsListed: objects,
  refresh: {
    calls: cliLists.length,
    aareColdMs: Math.round(aareCold),
    aareWarmMedianMs: Math.round(median(aareWarm)),
    cliMedianMs: Math.round(median(cliRounds)),
    ratioWarm: median(cliRounds) / median(aareWarm),
  },
  serverLifecycle: {
    aareMs: Math.round(lifecycle.aare),
    cliMs: Math.round(lifecycle.cli),
    ratio: lifecycle.cli / lifecycle.aare,
  },
  aareRequests: c.transport.stats,
  tokensIssued: c.session.tokensIssued,
};
console.log(`refresh (${cliLists.length} lists, ${objects} objects), median of ${rounds}:`);
console.log(
  `  aare client   ${result.refresh.aareWarmMedianMs} ms warm, ${result.refresh.aareColdMs} ms cold (with token)`,
);
console.log(
  `  openstack CLI ${result.refresh.cliMedianMs} ms   ratio ${result.refresh.ratioWarm.toFixed(1)}x`,
);
console.log(`server request → ACTIVE → deleted:`);
console.log(`  aare client   ${result.serverLifecycle.aareMs} ms`);
console.log(
  `  openstack CLI ${result.serverLifecycle.cliMs} ms   ratio ${result.serverLifecycle.ratio.toFixed(2)}x`,
);
console.log(
  `aare: ${result.aareRequests.requests} HTTP requests, ${result.aareRequests.retries} retries, ${result.tokensIssued} token(s)`,
);
mkdirSync(join(root, 'bench/out'), { recursive: true });
writeFileSync(join(root, 'bench/out/openstack-client.json'), JSON.stringify(result, null, 2) + '\n');
