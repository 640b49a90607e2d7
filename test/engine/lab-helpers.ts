// Helpers of the engine's lab tests: the lab's catalog, small hand-built clouds, and listings of
// what OpenStack holds for one test run's name prefix (through the API, not Aare's state).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { openstack } from '../../src/providers/index.js';

export async function labCloud(prefix: string) {
  const client = openstack.openStackClientFromEnv({ env: process.env });
  const image = (await openstack.listImages(client, { name: 'aare-tiny' }))[0];
  const external = (await openstack.networks.list(client, { name: 'public' }))[0];
  assert.ok(image, 'lab image aare-tiny');
  return { client, imageId: image.id, externalNetworkId: external?.id, prefix };
}

export function smallCloud(
  lab: { prefix: string; imageId: string; externalNetworkId: string | undefined },
  vms: Record<string, { flavor: string; userData?: string; ports?: number[] }>,
): openstack.CloudInput {
  return {
    prefix: lab.prefix,
    ...(lab.externalNetworkId ? { externalNetworkId: lab.externalNetworkId } : {}),
    resellers: [{ name: 'alpine-it' }],
    customers: [
      { name: 'muster-ag', reseller: 'alpine-it', environments: [{ name: 'test', cidr: '10.20.1.0/24' }] },
    ],
    vms: Object.entries(vms).map(([name, v]) => ({
      address: `muster-ag/test/${name}`,
      customer: 'muster-ag',
      environment: 'test',
      name,
      fqdn: `${name}.test.muster-ag.cloud.example.ch`,
      flavor: v.flavor,
      imageId: lab.imageId,
      userData: v.userData ?? `#cloud-config\nhostname: ${name}\n`,
      rules: (v.ports ?? [22]).map((port) => ({ protocol: 'tcp' as const, port, remoteCidr: '0.0.0.0/0' })),
    })),
  };
}

/** Everything of this run's prefix that OpenStack lists, by kind (names). */
export async function listByPrefix(client: openstack.OpenStackClient, prefix: string) {
  const mine = (n: string | null | undefined) => (n ?? '').startsWith(prefix);
  const [domains, projects, networks, subnets, routers, groups, ports, servers] = await Promise.all([
    openstack.listDomains(client),
    openstack.listProjects(client),
    openstack.networks.list(client),
    openstack.subnets.list(client),
    openstack.routers.list(client),
    client.list('network', '/security-groups', 'security_groups', openstack.securityGroupSchema),
    openstack.ports.list(client),
    openstack.listServers(client, { allTenants: true }),
  ]);
  const projectIds = new Set(projects.filter((p) => mine(p.name)).map((p) => p.id));
  return {
    domains: domains
      .filter((d) => mine(d.name))
      .map((d) => d.name)
      .sort(),
    projects: projects
      .filter((p) => mine(p.name))
      .map((p) => p.name)
      .sort(),
    networks: networks
      .filter((n) => mine(n.name))
      .map((n) => n.name)
      .sort(),
    subnets: subnets
      .filter((n) => mine(n.name))
      .map((n) => n.name)
      .sort(),
    routers: routers
      .filter((n) => mine(n.name))
      .map((n) => n.name)
      .sort(),
    securityGroups: groups
      .filter((g) => mine(g.name) || projectIds.has(g.project_id ?? ''))
      .map((g) => g.name)
      .sort(),
    ports: ports
      .filter((p) => mine(p.name) || projectIds.has(p.project_id ?? ''))
      .map((p) => p.name)
      .sort(),
    servers: servers
      .filter((s) => mine(s.name))
      .map((s) => s.name)
      .sort(),
  };
}

/**
 * Drops `endpoints.dns` and `endpoints.backup` from a copy of the demo: the OpenStack crash and
 * fault tests run side by side, and the demo's records (same names, same reverse zones) and
 * backup logins (same customers, each state with its own passwords) would be shared between them
 * in the lab's one PowerDNS and backup server. DNS and backup crash recovery are tested on their
 * own (test/providers/dns, test/providers/backup).
 */
export function withoutDnsAndBackup(controlRepoDir: string): void {
  const file = join(controlRepoDir, 'aare.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.deleteIn(['endpoints', 'dns']);
  doc.deleteIn(['endpoints', 'backup']);
  writeFileSync(file, doc.toString());
}
