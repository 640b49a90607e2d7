/**
 * The composition root: reads configuration and the environment once per command, opens the one
 * store (migrating an old two-file state directory into it), loads the control repository and
 * Hiera once, and wires every provider's drivers to the engine. The CLI and the server call it;
 * nothing below it reads the environment, opens a store or picks a provider.
 */
export { openAppContext } from './app-context.js';
export type { AppContext, AppContextOptions } from './app-context.js';
export { readAppConfig, STATE_FILE } from './app-config.js';
export type { AppConfig } from './app-config.js';
export { migrateLegacyState, LEGACY_STATE_FILE, MIGRATED_SUFFIX } from './state-migration.js';
export type { StateMigration } from './state-migration.js';
export { oidcSettingError, portalOidcSettings } from './portal-oidc.js';
export type { OidcSetting, OidcSettings } from './portal-oidc.js';
export { providers } from './provider-wiring.js';
export type { ConfiguredProvider, ProviderWiring } from './provider-wiring.js';
