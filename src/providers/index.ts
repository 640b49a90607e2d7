/**
 * Providers: the adapters to real systems (OpenStack and PowerDNS now; backup, logging and mail
 * later). Each lives in its own folder with its client, its mapping from the desired state to
 * resources and one driver per resource kind, and implements `ResourceProvider`; each driver
 * implements the engine's driver contract, so the engine has a single code path and knows no
 * provider by name. Providers are the only code that talks to external systems. They read the
 * model and compiled VMs they are given, never the store or the environment, and never print.
 */
export type {
  ResourceProvider,
  ProviderEnv,
  ProviderOpenInput,
  ProviderSession,
  DesiredRequest,
} from './provider-types.js';
export {
  secretsFromMasterKey,
  fillSecretTokens,
  unfillSecretTokens,
  hasSecretTokens,
} from './provider-secrets.js';
export type { ProviderSecrets } from './provider-secrets.js';
export { boxSeal, boxOpen } from './secret-box.js';
export { diffFields } from './field-diff.js';
export type { Fields, FieldRule } from './field-diff.js';
export { ProviderError, isProviderError, isAbortError } from './provider-error.js';
export {
  createHttpTransport,
  defaultRetryPolicy,
  retryAfterMs,
  backoff,
  ConnectionLostError,
  isConnectionLost,
  DEFAULT_IDLE_TIMEOUT_MS,
} from './http-transport.js';
export type {
  HttpTransport,
  HttpTransportOptions,
  HttpRequest,
  HttpResponse,
  HttpMethod,
  RetryPolicy,
  TransportStats,
} from './http-transport.js';
export * as openstack from './openstack/index.js';
export * as dns from './dns/index.js';
export * as logging from './logging/index.js';
export * as mail from './mail/index.js';
export * as backup from './backup/index.js';
