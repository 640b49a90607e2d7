// The drivers of every DNS kind, sharing one PowerDNS client (one file per kind under drivers/).
import type { DriverSet, EngineDriver } from '../../engine/index.js';
import type { PdnsClient } from './pdns-client.js';
import { rrsetDriver } from './drivers/rrset-driver.js';
import { zoneDriver } from './drivers/zone-driver.js';

/** The endpoint name the engine limits concurrency by. */
export const DNS_ENDPOINT = 'dns';

export function dnsDrivers(client: PdnsClient): DriverSet {
  const drivers = [zoneDriver(client, DNS_ENDPOINT), rrsetDriver(client, DNS_ENDPOINT)];
  return new Map(drivers.map((d) => [d.kind, d as EngineDriver]));
}
