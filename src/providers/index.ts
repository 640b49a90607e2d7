/**
 * Providers: the adapters to real systems (OpenStack now; PowerDNS, backup, logging and mail
 * later), each behind the one driver contract `ResourceDriver`, so the engine has a single code
 * path. Providers are the only code that talks to external systems. They import nothing of Aare's
 * but `diag`: no model, no store, no engine; they never print.
 */
export type { ResourceDriver, DriverContext, DriverDiff, AttributeChange } from './resource-driver.js';
export { ProviderError, isProviderError, isAbortError } from './provider-error.js';
export * as openstack from './openstack/index.js';
