// Names and addresses of the DNS provider: absolute names end with a dot (as PowerDNS wants them);
// Aare addresses leave the dots out and name records relative to their zone.

export const addressOf = {
  /** `dns.zone.cloud.example.ch` */
  zone: (zone: string) => `dns.zone.${trimDot(zone)}`,
  /** `dns.rrset.cloud.example.ch/web1.test.muster-ag/A`; `@` for the zone's apex. */
  rrset: (zone: string, name: string, type: string) =>
    `dns.rrset.${trimDot(zone)}/${relativeName(name, zone)}/${type}`,
};

/** The comment PowerDNS keeps on an RRset (and the account on a zone) Aare owns. */
export const OWNER_PREFIX = 'aare:';

export function ownerTag(address: string): string {
  return OWNER_PREFIX + address;
}

/** The parts of an rrset address, or undefined when it is not one. */
export function parseRRsetAddress(address: string): { zone: string; name: string; type: string } | undefined {
  const m = /^dns\.rrset\.([^/]+)\/([^/]+)\/([A-Z]+)$/.exec(address);
  if (!m) return undefined;
  const zone = absolute(m[1]!);
  const name = m[2] === '@' ? zone : `${m[2]!}.${zone}`;
  return { zone, name, type: m[3]! };
}

/** The zone name of a zone address. */
export function zoneOfAddress(address: string): string | undefined {
  return address.startsWith('dns.zone.') ? absolute(address.slice('dns.zone.'.length)) : undefined;
}

export function absolute(name: string): string {
  return name.endsWith('.') ? name.toLowerCase() : `${name.toLowerCase()}.`;
}

export function trimDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** `name` relative to `zone` (`@` for the apex); both absolute or both not. */
export function relativeName(name: string, zone: string): string {
  const n = absolute(name);
  const z = absolute(zone);
  if (n === z) return '@';
  return n.endsWith(`.${z}`) ? n.slice(0, -z.length - 1) : trimDot(n);
}

/** True when `name` is `zone` or below it. */
export function inZone(name: string, zone: string): boolean {
  const n = absolute(name);
  const z = absolute(zone);
  return n === z || n.endsWith(`.${z}`);
}

/**
 * The in-addr.arpa zone of an IPv4 CIDR: its prefix rounded down to whole octets, so a /24 gets
 * `3.2.1.in-addr.arpa.` and a /20 the /16's zone (classless delegation, RFC 2317, is not needed
 * for a zone Aare serves itself).
 */
export function reverseZoneOf(cidr: string): string {
  const [base, bits] = cidr.split('/');
  const octets = base!.split('.').slice(0, Math.max(1, Math.floor(Number(bits) / 8)));
  return `${octets.reverse().join('.')}.in-addr.arpa.`;
}

/** `10.1.0.12` → `12.0.1.10.in-addr.arpa.` */
export function ptrNameOf(ipv4: string): string {
  return `${ipv4.split('.').reverse().join('.')}.in-addr.arpa.`;
}
