// The DNS provider: PowerDNS Authoritative over its HTTP API; per VM its A (AAAA), PTR and CNAME
// records in the provider's zones (docs/engine.md, "DNS").
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DiagnosticsError, error } from '../../diag/index.js';
import type { Result } from '../../diag/index.js';
import type { DesiredResource } from '../../engine/index.js';
import type { ControlRepo } from '../../model/index.js';
import { addressOf as openstackAddress, vmFixedIps } from '../openstack/index.js';
import type { DesiredRequest, ProviderEnv, ResourceProvider } from '../provider-types.js';
import { DNS_ENDPOINT, dnsDrivers } from './dns-drivers.js';
import { dnsResources } from './dns-mapping.js';
import { PdnsClient } from './pdns-client.js';
import { absolute, reverseZoneOf } from './dns-names.js';
import { ownerOf } from './drivers/rrset-driver.js';
import type { HttpTransport } from '../http-transport.js';

export interface DnsSettings {
  /** AARE_DNS_API_KEY; when unset, aare.yaml's `endpoints.dns.apiKey` reference is followed. */
  apiKey?: string;
  /** For `env:VAR` references of aare.yaml. */
  env: ProviderEnv;
}

/** Concurrent calls to PowerDNS during refresh and apply. */
export const DNS_LIMITS = { [DNS_ENDPOINT]: 4 } as const;

export const dnsProvider: ResourceProvider<DnsSettings> = {
  name: 'dns',
  settings(env) {
    return { ...(env.AARE_DNS_API_KEY ? { apiKey: env.AARE_DNS_API_KEY } : {}), env };
  },
  async open({ controlRepo, settings, transport }) {
    const client = await openDnsClient({ controlRepo, settings, ...(transport ? { transport } : {}) });
    // without a DNS endpoint, Aare keeps no records: the provider contributes nothing
    if (!client)
      return { drivers: [], limits: {}, desired: () => Promise.resolve({ value: [], diagnostics: [] }) };
    return {
      drivers: [...dnsDrivers(client).values()],
      limits: DNS_LIMITS,
      desired: (request) => Promise.resolve(desiredResources(controlRepo, request)),
    };
  },
};

/** The PowerDNS client of the control repository's DNS endpoint; undefined when it names none. */
export async function openDnsClient(input: {
  controlRepo: ControlRepo;
  settings: DnsSettings;
  transport?: HttpTransport;
}): Promise<PdnsClient | undefined> {
  const endpoint = input.controlRepo.provider.endpoints.dns;
  if (!endpoint) return undefined;
  return new PdnsClient({
    api: endpoint.api,
    apiKey: await apiKeyOf(input.controlRepo, endpoint.apiKey, input.settings),
    server: endpoint.server,
    ...(input.transport ? { transport: input.transport } : {}),
  });
}

/** An RRset as PowerDNS holds it, with the Aare address that owns it. */
export interface OwnedRRset {
  zone: string;
  name: string;
  type: string;
  ttl: number;
  records: string[];
  /** The owner's Aare address (the comment `aare:<address>`). */
  owner: string;
}

/**
 * The RRsets Aare owns in the provider's zones (the forward zone and each environment's reverse
 * zone), read from PowerDNS itself; `customer` keeps those of one customer's VMs and names.
 */
export async function ownedRRsets(
  controlRepo: ControlRepo,
  client: PdnsClient,
  opts: { customer?: string; signal?: AbortSignal } = {},
): Promise<OwnedRRset[]> {
  const zones = new Set([absolute(controlRepo.provider.dnsDomain)]);
  for (const c of controlRepo.customers.values())
    for (const e of c.environments.values()) zones.add(reverseZoneOf(e.network.cidr));
  const suffix = opts.customer ? `.${opts.customer}.${absolute(controlRepo.provider.dnsDomain)}` : undefined;
  const out: OwnedRRset[] = [];
  for (const zone of zones) {
    const z = await client.getZone(zone, opts.signal);
    for (const r of z?.rrsets ?? []) {
      const owner = ownerOf(r);
      if (owner === undefined) continue;
      const records = r.records.map((x) => x.content);
      if (suffix && !r.name.endsWith(suffix) && !records.some((c) => c.endsWith(suffix))) continue;
      out.push({ zone, name: r.name, type: r.type, ttl: r.ttl, records, owner });
    }
  }
  return out.sort((a, b) => (a.zone + a.name + a.type < b.zone + b.name + b.type ? -1 : 1));
}

function desiredResources(controlRepo: ControlRepo, request: DesiredRequest): Result<DesiredResource[]> {
  // the VMs' addresses as their OpenStack ports get them (the port's own diagnostics are OpenStack's)
  const ips = vmFixedIps(request).value;
  const mapped = dnsResources({
    domain: controlRepo.provider.dnsDomain,
    environments: request.customers.flatMap(({ customer, environments }) =>
      environments.map((e) => ({ scope: `${customer.name}/${e.name}`, cidr: e.network.cidr })),
    ),
    vms: request.vms.flatMap(({ vm, compiled }) => {
      const ipv4 = ips.get(vm.address);
      if (!ipv4) return [];
      return [
        {
          address: vm.address,
          environment: `${vm.customer}/${vm.environment}`,
          fqdn: vm.fqdn,
          ipv4,
          aliases: compiled.desired.dnsNames.filter((n) => n.from !== 'fqdn').map((n) => n.name),
          after: [openstackAddress.port(vm.address)],
          ...(vm.source ? { source: vm.source } : {}),
        },
      ];
    }),
  });
  return mapped;
}

/**
 * The API key: AARE_DNS_API_KEY, else what aare.yaml's reference names (an environment variable,
 * or a file inside the control repository). The key itself is never in the control repository's
 * YAML, never in a plan and never in a message.
 */
async function apiKeyOf(controlRepo: ControlRepo, ref: string, settings: DnsSettings): Promise<string> {
  if (settings.apiKey) return settings.apiKey;
  const field = 'endpoints.dns.apiKey';
  if (ref.startsWith('env:')) {
    const v = settings.env[ref.slice(4)];
    if (v) return v;
    throw new DiagnosticsError([
      error('DNS_CONFIG', `the PowerDNS API key: neither AARE_DNS_API_KEY nor ${ref.slice(4)} is set`, {
        field,
      }),
    ]);
  }
  const path = resolve(controlRepo.root, ref.replace(/^file:/, ''));
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    throw new DiagnosticsError([
      error(
        'DNS_CONFIG',
        `the PowerDNS API key: cannot read ${ref.slice(5)} and AARE_DNS_API_KEY is not set`,
        {
          field,
        },
      ),
    ]);
  }
}
