// PowerDNS RRset (A, AAAA, PTR, CNAME): one name and type in one zone, owned by one Aare address.
import type { EngineDriver } from '../../../engine/index.js';
import { ProviderError } from '../../provider-error.js';
import { diffFields } from '../../field-diff.js';
import type { DnsRRsetDesired } from '../dns-mapping.js';
import { OWNER_PREFIX, ownerTag, parseRRsetAddress } from '../dns-names.js';
import type { PdnsClient, PdnsRRset, PdnsZone, RRsetChange } from '../pdns-client.js';

export interface DnsRRsetState {
  /** `<name>|<type>` */
  id: string;
  zone: string;
  name: string;
  type: string;
  ttl: number;
  /** Sorted. */
  records: string[];
}

/** The Aare address an RRset's comment names, if any. */
export function ownerOf(rrset: PdnsRRset): string | undefined {
  const c = rrset.comments.find((x) => x.content.startsWith(OWNER_PREFIX));
  return c?.content.slice(OWNER_PREFIX.length);
}

/**
 * Ownership is the comment `aare:<address>` on the RRset, written by the same PATCH that writes
 * the records, so a killed apply either made both or neither and `findByAddress` adopts what it
 * made. An RRset without that comment is not Aare's, whatever the state says: it is never
 * changed or deleted (creating over it fails with DNS_CONFLICT), and `read` reports Aare's own as
 * gone. Every PATCH names only the one RRset, so records of other tools in the zone stay as they
 * are. PowerDNS has no conditional PATCH: a record made by hand between the check and the PATCH
 * of the same name and type is overwritten (the window is one request long).
 */
export function rrsetDriver(
  client: PdnsClient,
  endpoint: string,
): EngineDriver<DnsRRsetDesired, DnsRRsetState> {
  const stateOf = (zone: string, r: PdnsRRset): DnsRRsetState => ({
    id: `${r.name}|${r.type}`,
    zone,
    name: r.name,
    type: r.type,
    ttl: r.ttl,
    records: r.records.map((x) => x.content).sort(),
  });
  const zoneOf = async (zone: string, address: string, signal: AbortSignal): Promise<PdnsZone> => {
    const z = await client.getZone(zone, signal);
    if (!z)
      throw new ProviderError({
        code: 'DNS_NOT_FOUND',
        status: 404,
        message: `zone ${zone} does not exist in PowerDNS`,
        address,
      });
    return z;
  };
  const at = (z: PdnsZone, name: string, type: string) =>
    (z.rrsets ?? []).find((r) => r.name === name && r.type === type);
  const find = async (address: string, signal: AbortSignal) => {
    const p = parseRRsetAddress(address);
    if (!p) return undefined;
    const z = await client.getZone(p.zone, signal);
    const r = z && at(z, p.name, p.type);
    return r && ownerOf(r) === address ? stateOf(p.zone, r) : undefined;
  };
  const replace = async (
    address: string,
    d: DnsRRsetDesired,
    z: PdnsZone,
    signal: AbortSignal,
    also: RRsetChange[] = [],
  ) => {
    const existing = at(z, d.name, d.type);
    const others = (existing?.comments ?? []).filter((c) => !c.content.startsWith(OWNER_PREFIX));
    await client.patchRRsets(
      d.zone,
      [
        ...also,
        {
          changetype: 'REPLACE',
          name: d.name,
          type: d.type,
          ttl: d.ttl,
          records: d.records.map((content) => ({ content, disabled: false })),
          comments: [
            ...others.map((c) => ({ content: c.content, account: c.account ?? '' })),
            { content: ownerTag(address), account: 'aare' },
          ],
        },
      ],
      signal,
    );
    return stateOf(d.zone, {
      name: d.name,
      type: d.type,
      ttl: d.ttl,
      records: d.records.map((content) => ({ content })),
      comments: [],
    });
  };
  const conflict = (address: string, message: string) =>
    new ProviderError({ code: 'DNS_CONFLICT', status: 409, message, address });
  return {
    kind: 'dns.rrset',
    endpoint,
    read: ({ address, signal }) => find(address, signal),
    findByAddress: ({ address, signal }) => find(address, signal),
    async list({ addresses, signal }) {
      const wanted = new Set(addresses);
      const zones = new Set(addresses.map((a) => parseRRsetAddress(a)?.zone).filter((z) => z !== undefined));
      const out = new Map<string, DnsRRsetState>();
      for (const zone of [...zones].sort()) {
        const z = await client.getZone(zone, signal);
        for (const r of z?.rrsets ?? []) {
          const owner = ownerOf(r);
          if (owner !== undefined && wanted.has(owner) && !out.has(owner)) out.set(owner, stateOf(zone, r));
        }
      }
      return out;
    },
    async create({ address, desired, signal }) {
      const z = await zoneOf(desired.zone, address, signal);
      const displaced: RRsetChange[] = [];
      for (const r of (z.rrsets ?? []).filter((x) => x.name === desired.name)) {
        const owner = ownerOf(r);
        if (owner === address && r.type === desired.type) continue;
        if (r.type !== desired.type && r.type !== 'CNAME' && desired.type !== 'CNAME') continue;
        // Aare's own record of this name under another address (a service name that went from
        // one VM's CNAME to several VMs' A, or back): its delete may come later in this apply,
        // so it goes in the same PATCH; a later delete of it finds nothing of its own
        const ours = owner !== undefined && parseRRsetAddress(owner)?.name === desired.name;
        if (ours && r.type !== desired.type) {
          displaced.push({ changetype: 'DELETE', name: r.name, type: r.type });
          continue;
        }
        throw conflict(
          address,
          owner
            ? `${desired.name} already has a ${r.type} record, of ${owner}`
            : `${desired.name} already has a ${r.type} record that Aare does not own`,
        );
      }
      return replace(address, desired, z, signal, displaced);
    },
    async update({ address, desired, signal }) {
      const z = await zoneOf(desired.zone, address, signal);
      const r = at(z, desired.name, desired.type);
      if (r && ownerOf(r) !== address)
        throw conflict(
          address,
          `${desired.name} ${desired.type} is no longer Aare's (its aare: comment is gone)`,
        );
      return replace(address, desired, z, signal);
    },
    async delete({ address, prior, signal }) {
      const z = await client.getZone(prior.zone, signal);
      const r = z && at(z, prior.name, prior.type);
      if (!r || ownerOf(r) !== address) return;
      await client.patchRRsets(
        prior.zone,
        [{ changetype: 'DELETE', name: prior.name, type: prior.type }],
        signal,
      );
    },
    diff: (desired, actual) =>
      diffFields(
        { ...desired, records: [...desired.records].sort() },
        { ...actual },
        {
          records: { set: true },
          ttl: {},
          zone: { replace: 'a record cannot move to another zone' },
          name: { replace: 'a record cannot be renamed' },
          type: { replace: 'a record cannot change its type' },
        },
      ),
  };
}
