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
 * CIDR (provider-wide, scope ''); per VM an A record (AAAA when it has IPv6) at its FQDN and a PTR
 * in its environment's reverse zone, scoped to the VM so that its records go with it. A profile
 * name one VM declares is a CNAME to its FQDN (scoped to the VM); one that several VMs of the
 * environment declare is an A record with all their addresses (round robin, scoped to the
 * environment). A name wanted twice otherwise (an alias equal to another VM's FQDN) is a
 * diagnostic at the second.
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

  const rrsets: DesiredResource[] = [];
  /** Names taken, by whom (a VM or an environment) and with which types. */
  const owners = new Map<string, { by: string; types: Set<string> }>();
  const add = (
    by: { address: string; scope: string; after: string[]; source?: SourceRange },
    zone: string,
    rr: Omit<DnsRRsetDesired, 'zone' | 'ttl'>,
  ): void => {
    const taken = owners.get(rr.name);
    // a CNAME cannot share its name with any other record
    const clash =
      taken &&
      (taken.by !== by.address ||
        taken.types.has(rr.type) ||
        rr.type === 'CNAME' ||
        taken.types.has('CNAME'));
    if (clash) {
      diagnostics.push(
        error('DUPLICATE_NAME', `DNS name ${rr.name} of ${by.address} is already used by ${taken.by}`, {
          address: by.address,
          ...(by.source ? { source: by.source } : {}),
        }),
      );
      return;
    }
    const t = taken ?? { by: by.address, types: new Set<string>() };
    t.types.add(rr.type);
    owners.set(rr.name, t);
    rrsets.push({
      address: addressOf.rrset(zone, rr.name, rr.type),
      kind: 'dns.rrset',
      scope: by.scope,
      dependsOn: [addressOf.zone(zone), ...by.after],
      desired: { zone, ttl, ...rr } satisfies DnsRRsetDesired,
    });
  };

  /** Profile names by absolute name: the VMs (of one environment) that declare each. */
  const aliases = new Map<string, { vm: DnsVmInput; fqdn: string }[]>();
  for (const vm of input.vms) {
    const fqdn = absolute(vm.fqdn);
    const source = vm.source ? { source: vm.source } : {};
    const by = { address: vm.address, scope: vm.address, after: vm.after ?? [], ...source };
    if (!inZone(fqdn, forward)) {
      diagnostics.push(
        error('DNS_CONFIG', `${vm.fqdn} is not below the DNS domain ${input.domain}`, {
          address: vm.address,
          ...source,
        }),
      );
      continue;
    }
    const reverse = reverseOf.get(vm.environment);
    if (!reverse) {
      diagnostics.push(
        error('UNKNOWN_REFERENCE', `VM ${vm.address} is in an environment without a network`, {
          address: vm.address,
          ...source,
        }),
      );
      continue;
    }
    add(by, forward, { name: fqdn, type: 'A', records: [vm.ipv4] });
    if (vm.ipv6) add(by, forward, { name: fqdn, type: 'AAAA', records: [vm.ipv6] });
    add(by, reverse, { name: ptrNameOf(vm.ipv4), type: 'PTR', records: [fqdn] });
    for (const alias of vm.aliases) {
      const name = absolute(alias);
      if (name === fqdn) continue;
      if (!inZone(name, forward)) {
        diagnostics.push(
          error('DNS_CONFIG', `${alias} is not below the DNS domain ${input.domain}`, {
            address: vm.address,
            ...source,
          }),
        );
        continue;
      }
      const list = aliases.get(name) ?? [];
      if (!list.some((x) => x.vm.address === vm.address)) list.push({ vm, fqdn });
      aliases.set(name, list);
    }
  }
  for (const [name, vms] of aliases) {
    const first = vms[0]!.vm;
    const source = first.source ? { source: first.source } : {};
    if (vms.length === 1) {
      add({ address: first.address, scope: first.address, after: first.after ?? [], ...source }, forward, {
        name,
        type: 'CNAME',
        records: [vms[0]!.fqdn],
      });
      continue;
    }
    // a name several VMs of an environment declare is the service's: round robin over them all
    const env = first.environment;
    const by = {
      address: env,
      scope: env,
      after: [...new Set(vms.flatMap((x) => x.vm.after ?? []))].sort(),
      ...source,
    };
    add(by, forward, { name, type: 'A', records: vms.map((x) => x.vm.ipv4).sort() });
    const v6 = vms.flatMap((x) => (x.vm.ipv6 ? [x.vm.ipv6] : [])).sort();
    if (v6.length > 0) add(by, forward, { name, type: 'AAAA', records: v6 });
  }
  return { value: [...zones.values(), ...rrsets], diagnostics };
}
