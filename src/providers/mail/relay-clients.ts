// The relay side of mail: which client networks the provider's Postfix relay lets relay. A
// customer environment's network is permitted when at least one of its VMs has a profile with
// `sendsMail` (the VMs that get Aare's satellite main.cf); an environment without one gets no
// entry, so a network that never should send mail cannot. Format: a Postfix `cidr:` table
// (cidr_table(5)), read by the relay through `mynetworks` (docs/mail.md).
import type { ControlRepo } from '../../model/index.js';
import { parseCidr } from '../../model/index.js';

/** Where the relay reads the map unless told otherwise. */
export const DEFAULT_CLIENT_MAP_PATH = '/etc/postfix/aare-clients.cidr';

/** One permitted network and the customer environments it belongs to. */
export interface RelayClient {
  cidr: string;
  /** `customer/environment`, sorted; more than one when customers use the same private range. */
  environments: string[];
}

/**
 * The permitted networks, sorted by address (IPv4 before IPv6, then prefix) so the map is the
 * same for the same control repository. A network used by several customers (each in its own
 * OpenStack network) is one entry naming all of them.
 */
export function relayClients(
  controlRepo: Pick<ControlRepo, 'vms' | 'profiles' | 'customers'>,
): RelayClient[] {
  const sending = new Set<string>();
  for (const vm of controlRepo.vms) {
    if (vm.profiles.some((name) => controlRepo.profiles.get(name)?.sendsMail === true))
      sending.add(`${vm.customer}/${vm.environment}`);
  }
  const byCidr = new Map<string, string[]>();
  for (const address of sending) {
    const [customer = '', environment = ''] = address.split('/');
    const cidr = controlRepo.customers.get(customer)?.environments.get(environment)?.network.cidr;
    // the model has reported an unknown environment or a bad CIDR already
    if (cidr === undefined || parseCidr(cidr).cidr === undefined) continue;
    const list = byCidr.get(cidr);
    if (list) list.push(address);
    else byCidr.set(cidr, [address]);
  }
  return [...byCidr]
    .map(([cidr, environments]) => ({ cidr, environments: environments.sort() }))
    .sort((a, b) => compareCidr(a.cidr, b.cidr));
}

function compareCidr(a: string, b: string): number {
  const x = parseCidr(a).cidr!;
  const y = parseCidr(b).cidr!;
  if (x.family !== y.family) return x.family - y.family;
  if (x.first !== y.first) return x.first < y.first ? -1 : 1;
  return x.prefix - y.prefix;
}

/**
 * The `cidr:` table: a comment line naming the customer environments above each `<cidr> OK`
 * line (cidr_table(5) allows comments only on lines of their own).
 */
export function renderClientMap(clients: readonly RelayClient[]): string {
  const lines = [
    '# Managed by Aare (aare mail relay-config): the customer networks that may relay mail',
    '# through this host. Rewritten from the control repository; do not edit (docs/mail.md).',
  ];
  if (clients.length === 0) lines.push('# no customer environment has a VM that sends mail');
  for (const c of clients) lines.push(`# ${c.environments.join(', ')}`, `${c.cidr}\tOK`);
  return lines.join('\n') + '\n';
}

/**
 * The main.cf lines that make the relay read the map: the map is `mynetworks`, and only
 * `mynetworks` may relay to other domains. `mapPath` is the map's absolute path on the relay.
 */
export function relayMainCf(mapPath: string = DEFAULT_CLIENT_MAP_PATH): string {
  return [
    '# Managed by Aare (aare mail relay-config): only the customer networks of the map may relay.',
    `mynetworks = cidr:${mapPath}`,
    'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination',
    '',
  ].join('\n');
}
