// What the DNS lab tests share: a client for the lab's PowerDNS, a unique test zone, the engine
// wired with the DNS drivers only, and `dig` against the lab's DNS port.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dns } from '../../../src/providers/index.js';
import type { DesiredResource, EngineContext, EngineEvent } from '../../../src/engine/index.js';
import type { Store } from '../../../src/store/index.js';

export const labSkip = process.env.AARE_LAB_DNS_API_KEY
  ? false
  : 'no lab PowerDNS (AARE_LAB_DNS_API_KEY unset; run `eval "$(aare lab env)"`)';

export function labClient(): dns.PdnsClient {
  return new dns.PdnsClient({
    api: `http://${process.env.AARE_LAB_DNS ?? '127.0.0.1:18081'}/api/v1`,
    apiKey: process.env.AARE_LAB_DNS_API_KEY ?? '',
    server: 'localhost',
  });
}

/** A zone and a /24 of their own, so parallel runs and other helpers are never disturbed. */
export function uniqueWorld(): { domain: string; cidr: string; net: string } {
  const r = () => 1 + Math.floor(Math.random() * 250);
  const a = r();
  const b = r();
  return {
    domain: `t${process.pid}${Math.random().toString(36).slice(2, 8)}.aare.test`,
    cidr: `10.${a}.${b}.0/24`,
    net: `10.${a}.${b}`,
  };
}

export function engineCtx(store: Store, events: EngineEvent[] = []): EngineContext {
  return {
    store,
    drivers: dns.dnsDrivers(labClient()),
    limits: dns.DNS_LIMITS,
    onEvent: (e) => events.push(e),
    recoveryGraceMs: 0,
  };
}

export interface TestVm {
  name: string;
  host: number;
  aliases?: string[];
}

/** The desired resources of `vms` in customer `acme`, environment `test`. */
export function worldResources(
  w: { domain: string; cidr: string; net: string },
  vms: TestVm[],
): DesiredResource[] {
  const r = dns.dnsResources({
    domain: w.domain,
    environments: [{ scope: 'acme/test', cidr: w.cidr }],
    vms: vms.map((v) => ({
      address: `acme/test/${v.name}`,
      environment: 'acme/test',
      fqdn: `${v.name}.test.acme.${w.domain}`,
      ipv4: `${w.net}.${v.host}`,
      aliases: (v.aliases ?? []).map((a) => `${a}.test.acme.${w.domain}`),
    })),
  });
  if (r.diagnostics.length > 0) throw new Error(JSON.stringify(r.diagnostics));
  return r.value;
}

const digPort = (process.env.AARE_LAB_DNS_SERVER ?? '127.0.0.1:15353').split(':');

/** What the lab's DNS server answers (`dig +short`), sorted. */
export async function dig(name: string, type: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('dig', [
    `@${digPort[0]}`,
    '-p',
    digPort[1]!,
    '+short',
    '+norecurse',
    name,
    type,
  ]);
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
}

/** Every RRset of the zone that carries an aare: comment, as `name type records` lines. */
export async function ownedRRsets(zone: string): Promise<string[]> {
  const z = await labClient().getZone(zone);
  return (z?.rrsets ?? [])
    .filter((r) => dns.ownerOf(r) !== undefined)
    .map(
      (r) =>
        `${dns.ownerOf(r)} ${r.name} ${r.type} ${r.records
          .map((x) => x.content)
          .sort()
          .join(',')}`,
    )
    .sort();
}

/** The same lines for desired resources. */
export function desiredRRsets(resources: DesiredResource[], zone: string): string[] {
  return resources
    .filter((r) => r.kind === 'dns.rrset' && (r.desired as dns.DnsRRsetDesired).zone === zone)
    .map((r) => {
      const d = r.desired as dns.DnsRRsetDesired;
      return `${r.address} ${d.name} ${d.type} ${[...d.records].sort().join(',')}`;
    })
    .sort();
}

/** Deletes the zones a test made, whatever is in them. */
export async function dropZones(...zones: string[]): Promise<void> {
  const c = labClient();
  for (const z of zones) await c.deleteZone(dns.absolute(z));
}
