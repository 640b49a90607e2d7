/**
 * Mail: the provider's Postfix relay. `relayClients` derives the client networks the relay
 * permits (each customer environment with a VM that sends mail) and `renderClientMap` /
 * `relayMainCf` write them as Postfix reads them (a `cidr:` table and the main.cf lines naming
 * it; docs/mail.md). Pure: it reads the model it is given and never touches the relay itself; a
 * VM's own side (the satellite main.cf) is compiled into its user-data by compile.
 */
export { relayClients, renderClientMap, relayMainCf, DEFAULT_CLIENT_MAP_PATH } from './relay-clients.js';
export type { RelayClient } from './relay-clients.js';
