/**
 * The composition root: reads configuration once, opens the one store, loads the control
 * repository, and wires the providers to the engine. Commands (src/cli) and the server call it;
 * nothing below it reads the environment or picks a provider.
 */
export { openEngineSession } from './engine-session.js';
export type { EngineSession, SessionOptions } from './engine-session.js';
export { providers } from './provider-wiring.js';
export type { ConfiguredProvider, ProviderWiring } from './provider-wiring.js';
