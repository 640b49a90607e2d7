import { z } from 'zod';
import type { OpenStackClient } from './openstack-client.js';
import { neutronBase, neutronCollection } from './neutron-common.js';
import type { CallCtx } from './neutron-common.js';
import { ProviderError } from '../provider-error.js';
import { ports } from './neutron-ports.js';

export const routerSchema = z.object({
  ...neutronBase,
  status: z.string(),
  admin_state_up: z.boolean(),
  external_gateway_info: z
    .object({
      network_id: z.string(),
      enable_snat: z.boolean().optional(),
      external_fixed_ips: z.array(z.object({ subnet_id: z.string(), ip_address: z.string() })).optional(),
    })
    .nullable(),
});
export type Router = z.infer<typeof routerSchema>;

/** `/v2.0/routers`: create, get, list, update, delete. */
export const routers = neutronCollection('routers', 'router', routerSchema);

const interfaceSchema = z.object({ id: z.string(), subnet_id: z.string(), port_id: z.string() });
export type RouterInterface = z.infer<typeof interfaceSchema>;

/** Sets (network id) or clears (`null`) the router's external gateway. Idempotent. */
export async function setRouterGateway(
  client: OpenStackClient,
  routerId: string,
  networkId: string | null,
  ctx: CallCtx = {},
): Promise<Router> {
  return routers.update(
    client,
    routerId,
    { external_gateway_info: networkId === null ? {} : { network_id: networkId } },
    ctx,
  );
}

/**
 * Attaches the router to a subnet (on the subnet's gateway IP). Attaching twice is refused by
 * Neutron (400); callers check `listRouterInterfaces` first to stay idempotent.
 */
export async function addRouterInterface(
  client: OpenStackClient,
  routerId: string,
  subnetId: string,
  ctx: CallCtx = {},
): Promise<RouterInterface> {
  return client.json(
    'network',
    'PUT',
    `/routers/${encodeURIComponent(routerId)}/add_router_interface`,
    interfaceSchema,
    {
      body: { subnet_id: subnetId },
      what: `attach router ${routerId} to subnet ${subnetId}`,
      ...ctx,
    },
  );
}

/** Detaches the router from a subnet. Idempotent: a missing interface or router counts as done. */
export async function removeRouterInterface(
  client: OpenStackClient,
  routerId: string,
  subnetId: string,
  ctx: CallCtx = {},
): Promise<boolean> {
  try {
    await client.call('network', 'PUT', `/routers/${encodeURIComponent(routerId)}/remove_router_interface`, {
      body: { subnet_id: subnetId },
      what: `detach router ${routerId} from subnet ${subnetId}`,
      ...ctx,
    });
    return true;
  } catch (err) {
    if (err instanceof ProviderError && err.status === 404) return false;
    throw err;
  }
}

/** The subnets a router is attached to (its `network:router_interface*` ports). */
export async function listRouterInterfaces(
  client: OpenStackClient,
  routerId: string,
  ctx: CallCtx = {},
): Promise<RouterInterface[]> {
  const ps = await ports.list(client, { device_id: routerId }, ctx);
  return ps
    .filter((p) => p.device_owner.startsWith('network:router_interface'))
    .flatMap((p) => p.fixed_ips.map((ip) => ({ id: routerId, subnet_id: ip.subnet_id, port_id: p.id })));
}
