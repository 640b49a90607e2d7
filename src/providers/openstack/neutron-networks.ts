import { z } from 'zod';
import { neutronBase, neutronCollection } from './neutron-common.js';

export const networkSchema = z.object({
  ...neutronBase,
  status: z.string(),
  admin_state_up: z.boolean(),
  shared: z.boolean().optional(),
  'router:external': z.boolean().optional(),
  subnets: z.array(z.string()).default([]),
  mtu: z.number().optional(),
  port_security_enabled: z.boolean().optional(),
});
export type Network = z.infer<typeof networkSchema>;

export const subnetSchema = z.object({
  ...neutronBase,
  network_id: z.string(),
  cidr: z.string(),
  ip_version: z.number(),
  gateway_ip: z.string().nullable(),
  enable_dhcp: z.boolean(),
  dns_nameservers: z.array(z.string()).default([]),
  allocation_pools: z.array(z.object({ start: z.string(), end: z.string() })).default([]),
  host_routes: z.array(z.object({ destination: z.string(), nexthop: z.string() })).default([]),
});
export type Subnet = z.infer<typeof subnetSchema>;

/** `/v2.0/networks`: create, get, list, update, delete. */
export const networks = neutronCollection('networks', 'network', networkSchema);
/** `/v2.0/subnets`: create, get, list, update, delete. */
export const subnets = neutronCollection('subnets', 'subnet', subnetSchema);
