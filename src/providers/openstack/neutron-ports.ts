import { z } from 'zod';
import { ProviderError } from '../provider-error.js';
import type { OpenStackClient } from './openstack-client.js';
import { neutronBase, neutronCollection } from './neutron-common.js';
import type { CallCtx } from './neutron-common.js';
import { waitFor } from './wait-for.js';
import type { WaitOptions } from './wait-for.js';

export const portSchema = z.object({
  ...neutronBase,
  network_id: z.string(),
  status: z.string(),
  admin_state_up: z.boolean(),
  mac_address: z.string(),
  device_id: z.string(),
  device_owner: z.string(),
  fixed_ips: z.array(z.object({ subnet_id: z.string(), ip_address: z.string() })).default([]),
  security_groups: z.array(z.string()).default([]),
  port_security_enabled: z.boolean().optional(),
  'binding:vif_type': z.string().optional(),
  'binding:host_id': z.string().optional(),
});
export type Port = z.infer<typeof portSchema>;

/** `/v2.0/ports`: create, get, list, update, delete. */
export const ports = neutronCollection('ports', 'port', portSchema);

/**
 * Waits until the port has `status` (ACTIVE, DOWN). In the lab, instance ports become ACTIVE;
 * router and floating-IP ports stay DOWN (no L3 agent).
 */
export async function waitForPort(
  client: OpenStackClient,
  id: string,
  status: string,
  opts: WaitOptions & CallCtx = {},
): Promise<Port> {
  return waitFor<Port, Port>(
    `port ${id} to become ${status}`,
    async () => {
      const p = await ports.get(client, id, opts);
      if (p === undefined) {
        throw new ProviderError({
          code: 'OPENSTACK_NOT_FOUND',
          status: 404,
          message: `port ${id} disappeared while waiting for ${status}`,
        });
      }
      return p.status === status ? { done: p } : { last: p };
    },
    (p) => `status ${p?.status ?? '?'}`,
    opts,
  );
}
