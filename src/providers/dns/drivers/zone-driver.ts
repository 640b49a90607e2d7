// PowerDNS zone: the provider's forward zone and one in-addr.arpa zone per environment CIDR.
import type { EngineDriver } from '../../../engine/index.js';
import { diffFields } from '../../field-diff.js';
import type { DnsZoneDesired } from '../dns-mapping.js';
import { ownerTag, zoneOfAddress } from '../dns-names.js';
import type { PdnsClient, PdnsZone } from '../pdns-client.js';

export interface DnsZoneState {
  id: string;
  name: string;
  /** The zone's account; `aare:<address>` when Aare created it. */
  account: string;
  /** Aare created the zone; a zone that was there before is used, never deleted. */
  owned: boolean;
}

/** RRset types PowerDNS puts into every new zone; a zone with nothing else is empty. */
const ZONE_OWN_TYPES = new Set(['SOA', 'NS']);

/**
 * Zones are shared by everything in them, so this driver is careful: a zone that exists already
 * (made by hand, or by another tool) is adopted as it is and never deleted; a zone Aare created is
 * deleted only when nothing but its SOA and NS records is left in it. A zone that still holds
 * records is left in place (and forgotten): its records are someone's.
 */
export function zoneDriver(client: PdnsClient, endpoint: string): EngineDriver<DnsZoneDesired, DnsZoneState> {
  const stateOf = (z: PdnsZone, address: string): DnsZoneState => ({
    id: z.id,
    name: z.name,
    account: z.account,
    owned: z.account === ownerTag(address),
  });
  const find = async (address: string, signal: AbortSignal) => {
    const name = zoneOfAddress(address);
    if (!name) return undefined;
    const z = await client.getZone(name, signal);
    return z ? stateOf(z, address) : undefined;
  };
  return {
    kind: 'dns.zone',
    endpoint,
    read: ({ address, signal }) => find(address, signal),
    findByAddress: ({ address, signal }) => find(address, signal),
    async list({ addresses, signal }) {
      const wanted = new Map(addresses.map((a) => [zoneOfAddress(a), a]));
      const out = new Map<string, DnsZoneState>();
      for (const z of await client.listZones(signal)) {
        const address = wanted.get(z.name);
        if (address) out.set(address, stateOf(z, address));
      }
      return out;
    },
    async create({ address, desired, signal }) {
      // the same name made by hand since the plan: use it (an existing zone is never replaced)
      const existing = await find(address, signal);
      if (existing) return existing;
      return stateOf(
        await client.createZone({ name: desired.name, account: ownerTag(address) }, signal),
        address,
      );
    },
    async delete({ address, prior, signal }) {
      if (!prior.owned) return;
      const z = await client.getZone(prior.name, signal);
      if (!z || z.account !== ownerTag(address)) return;
      if ((z.rrsets ?? []).some((r) => !ZONE_OWN_TYPES.has(r.type))) return;
      await client.deleteZone(prior.name, signal);
    },
    diff: (desired, actual) =>
      diffFields({ ...desired }, { ...actual }, { name: { replace: 'a zone cannot be renamed' } }),
  };
}
