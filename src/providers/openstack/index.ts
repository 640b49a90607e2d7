/**
 * The OpenStack provider. Its client: Keystone v3 sessions (password and application credential,
 * token reuse and refresh, service catalog), JSON calls to Nova, Neutron, Glance and Keystone with
 * zod-checked answers, pagination, retries where safe, and waits for server/port states. On it:
 * the mapping from the control repository to OpenStack resources (`openstack-mapping.ts`), one
 * driver per resource kind (`drivers/`), and `openstackProvider`, which the composition root wires.
 * This is the only code that talks to OpenStack. It never prints and never touches the store: it
 * reads the model it is given and returns plain data or throws ProviderError.
 */
export {
  loadCloudConfig,
  parseCloudsYaml,
  cloudsYamlCandidates,
  configFileCandidates,
  v3Url,
} from './clouds-config.js';
export type {
  CloudConfig,
  CloudAuth,
  CloudTls,
  ConfigText,
  PasswordAuth,
  ApplicationCredentialAuth,
  EndpointInterface,
} from './clouds-config.js';
export { KeystoneSession, selectEndpoint } from './keystone-auth.js';
export type { KeystoneToken, CatalogEntry } from './keystone-auth.js';
export {
  OpenStackClient,
  openStackClientFromEnv,
  createOnce,
  DEFAULT_COMPUTE_MICROVERSION,
} from './openstack-client.js';
export type { ServiceType, CallOptions, Query, OpenStackClientOptions } from './openstack-client.js';
export { codeForStatus, openstackMessage } from './openstack-errors.js';
export { waitFor } from './wait-for.js';
export type { WaitOptions } from './wait-for.js';
export * from './nova-servers.js';
export { setNeutronTags, byNameAndDescription } from './neutron-common.js';
export type { CreateIdentity } from './neutron-common.js';
export * from './neutron-networks.js';
export * from './neutron-ports.js';
export * from './neutron-routers.js';
export * from './neutron-security-groups.js';
export * from './glance-images.js';
export * from './keystone-projects.js';
export { openstackProvider, OPENSTACK_LIMITS, chooseCloud } from './openstack-provider.js';
export type { OpenStackSettings } from './openstack-provider.js';
export { openstackDrivers } from './openstack-drivers.js';
export { MANAGED_TAG, sha256 } from './drivers/driver-support.js';
export type { OpenStackDriverOptions } from './drivers/driver-support.js';
export { openstackResources, addressOf, assignFixedIps, vmFixedIps } from './openstack-mapping.js';
export type { CloudInput, VmInput } from './openstack-mapping.js';
