/**
 * The DNS provider: PowerDNS Authoritative through its HTTP API. Its client (`pdns-client.ts`),
 * the mapping from VMs to zones and RRsets (`dns-mapping.ts`), one driver per kind (`drivers/`)
 * and `dnsProvider`, which the composition root wires. It changes only RRsets it owns (the
 * comment `aare:<address>`) and zones it created, never prints, never touches the store.
 */
export { PdnsClient } from './pdns-client.js';
export type { PdnsClientOptions, PdnsZone, PdnsRRset, RRsetChange } from './pdns-client.js';
export { dnsResources, DEFAULT_TTL } from './dns-mapping.js';
export type { DnsInput, DnsVmInput, DnsRRsetDesired, DnsZoneDesired } from './dns-mapping.js';
export { addressOf, ownerTag, reverseZoneOf, ptrNameOf, absolute } from './dns-names.js';
export { dnsDrivers, DNS_ENDPOINT } from './dns-drivers.js';
export { ownerOf } from './drivers/rrset-driver.js';
export type { DnsRRsetState } from './drivers/rrset-driver.js';
export type { DnsZoneState } from './drivers/zone-driver.js';
export { dnsProvider, DNS_LIMITS, openDnsClient, ownedRRsets } from './dns-provider.js';
export type { DnsSettings, OwnedRRset } from './dns-provider.js';
