// Which providers exist: one line each in `providers`. A provider is a folder under src/providers
// implementing ResourceProvider; wiring it here is all the engine and the commands need.
import { backup, dns, openstack } from '../providers/index.js';
import type {
  ProviderEnv,
  ProviderOpenInput,
  ProviderSession,
  ResourceProvider,
} from '../providers/index.js';

/** A provider with its settings read from the environment (once, by the app's configuration). */
export interface ConfiguredProvider {
  name: string;
  settings: unknown;
  open(input: Omit<ProviderOpenInput<unknown>, 'settings'>): Promise<ProviderSession>;
}

export type ProviderWiring = (env: ProviderEnv) => ConfiguredProvider;

function wire<S>(provider: ResourceProvider<S>): ProviderWiring {
  return (env) => {
    const settings = provider.settings(env);
    return { name: provider.name, settings, open: (input) => provider.open({ ...input, settings }) };
  };
}

export const providers: readonly ProviderWiring[] = [
  wire(openstack.openstackProvider),
  wire(dns.dnsProvider),
  wire(backup.backupProvider),
];
