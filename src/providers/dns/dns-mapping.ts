import { error } from '../../diag/index.js';
import type { Diagnostic, Result, SourceRange } from '../../diag/index.js';
import type { DesiredResource } from '../../engine/index.js';
import { absolute, addressOf, inZone, ptrNameOf, reverseZoneOf } from './dns-names.js';

/** The records the model wants, in the terms of the DNS mapping (tests may build it by hand). */
export interface DnsInput {
  /** The provider's forward zone (aare.yaml `dnsDomain`); every VM's FQDN is below it. */
  domain: string;
  /** Each customer environment in the plan, with its IPv4 CIDR: one reverse zone each. */
  environments: { scope: string; cidr: string }[];
  vms: DnsVmInput[];
  /** TTL of every RRset Aare writes (seconds). */
  ttl?: number;
}

export interface DnsVmInput {
  /** `customer/environment/vm` */
  address: string;
  /** `customer/environment`, one of `environments`. */
  environment: string;
  fqdn: string;
  /** The VM's fixed IPv4 address (its port's). */
  ipv4: string;
  ipv6?: string;
  /** Further names of the VM (its profiles' DNS names), absolute: each a CNAME to the FQDN. */
  aliases: string[];
  /** Addresses the VM's records wait for (its port, so a name never points at a free address). */
  after?: string[];
  source?: SourceRange;
}

export interface DnsRRsetDesired {
  /** The zone, absolute (`cloud.example.ch.`). */
  zone: string;
  /** The owner name, absolute. */
  name: string;
  type: 'A' | 'AAAA' | 'PTR' | 'CNAME';
  ttl: number;
  /** Record contents as PowerDNS writes them (names absolute). */
  records: string[];
}

export interface DnsZoneDesired {
  name: string;
}

export const DEFAULT_TTL = 300;

/**
 * The mapping (docs/engine.md, "DNS"): the forward zone and one in-addr.arpa zone per environment
 * CIDR (provider-wide, scope ''); per VM an A record (AAAA when it has IPv6) at its FQDN, a PTR in
 * its environment's reverse zone and a CNAME to the FQDN for each alias, scoped to the VM so that
 * its records go with it. Two VMs wanting the same name is a diagnostic at the second.
 */
export function dnsResources(input: DnsInput): Result<DesiredResource[]> {
  const ttl = input.ttl ?? DEFAULT_TTL;
  const diagnostics: Diagnostic[] = [];
  const forward = absolute(input.domain);
  const zones = new Map<string, DesiredResource>();
  const addZone = (name: string) => {
    if (zones.has(name)) return;
    zones.set(name, {
      address: addressOf.zone(name),
      kind: 'dns.zone',
      scope: '',
      dependsOn: [],
      desired: { name } satisfies DnsZoneDesired,
    });
  };
  addZone(forward);
  const reverseOf = new Map<string, string>();
  for (const e of input.environments) {
    const zone = reverseZoneOf(e.cidr);
    reverseOf.set(e.scope, zone);
    addZone(zone);
  }

  const rrsets = new Map<string, { r: DesiredResource; vm: string }>();
  /** Names taken, with the type there: a CNAME cannot share its name with any other record. */
  const owners = new Map<string, { vm: string; types: Set<string> }>();
  const add = (vm: DnsVmInput, zone: string, rr: Omit<DnsRRsetDesired, 'zone' | 'ttl'>) => {
    const taken = owners.get(rr.name);
    const clash =
      taken &&
      (taken.vm !== vm.address ||
        taken.types.has(rr.type) ||
        rr.type === 'CNAME' ||
        taken.types.has('CNAME'));
    if (clash) {
      diagnostics.push(
        error('DUPLICATE_NAME', `DNS name ${rr.name} of ${vm.address} is already used by ${taken.vm}`, {
          address: vm.address,
          ...(vm.source ? { source: vm.source } : {}),
        }),
      );
      return;
    }
    const t = taken ?? { vm: vm.address, types: new Set<string>() };
    t.types.add(rr.type);
    owners.set(rr.name, t);
    const address = addressOf.rrset(zone, rr.name, rr.type);
    rrsets.set(address, {
      vm: vm.address,
      r: {
        address,
        kind: 'dns.rrset',
        scope: vm.address,
        dependsOn: [addressOf.zone(zone), ...(vm.after ?? [])],
        desired: { zone, ttl, ...rr } satisfies DnsRRsetDesired,
      },
    });
  };

  for (const vm of input.vms) {
    const fqdn = absolute(vm.fqdn);
    const where = { address: vm.address, ...(vm.source ? { source: vm.source } : {}) };
    if (!inZone(fqdn, forward)) {
      diagnostics.push(error('DNS_CONFIG', `${vm.fqdn} is not below the DNS domain ${input.domain}`, where));
      continue;
    }
    const reverse = reverseOf.get(vm.environment);
    if (!reverse) {
      diagnostics.push(
        error('UNKNOWN_REFERENCE', `VM ${vm.address} is in an environment without a network`, where),
      );
      continue;
    }
    add(vm, forward, { name: fqdn, type: 'A', records: [vm.ipv4] });
    if (vm.ipv6) add(vm, forward, { name: fqdn, type: 'AAAA', records: [vm.ipv6] });
    add(vm, reverse, { name: ptrNameOf(vm.ipv4), type: 'PTR', records: [fqdn] });
    for (const alias of vm.aliases) {
      const name = absolute(alias);
      if (name === fqdn) continue;
      if (!inZone(name, forward)) {
        diagnostics.push(error('DNS_CONFIG', `${alias} is not below the DNS domain ${input.domain}`, where));
        continue;
      }
      add(vm, forward, { name, type: 'CNAME', records: [fqdn] });
    }
  }
  return { value: [...zones.values(), ...[...rrsets.values()].map((x) => x.r)], diagnostics };
}
