// A VM that sends mail gets Postfix as a null client (a "satellite"): it delivers nothing
// locally, listens on loopback only, and hands every message to the provider's relay of
// aare.yaml `endpoints.mail.relay`. Aare writes the whole main.cf, so the relay's address has one
// source; the relay accepts the mail because the VM's environment network is in its client map
// (`aare mail relay-config`, docs/mail.md).
import { error } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';
import type { Profile, Vm } from '../model/index.js';
import type { CloudFile } from './cloud-init-render.js';

/** The file Aare owns on a VM that sends mail; a profile must not write it too. */
export const SATELLITE_MAIN_CF = '/etc/postfix/main.cf';

/** What a mail-sending VM adds to its cloud-init user-data. */
export interface VmMail {
  files: CloudFile[];
  packages: string[];
  /** Enabled at boot: RHEL-like images do not enable Postfix when it is installed. */
  services: string[];
  /** Restarted after the files are written: an image may already run Postfix at first boot. */
  restarts: string[];
}

/** `[host]:port`: the brackets turn off Postfix's MX lookup, so the relay is used as written. */
export function relayhostOf(relay: string): string {
  const i = relay.lastIndexOf(':');
  const host = relay.slice(0, i);
  const port = relay.slice(i + 1);
  return host.startsWith('[') ? `${host}:${port}` : `[${host}]:${port}`;
}

/**
 * The satellite main.cf. `compatibility_level = 2` is the newest level both Postfix 3.5 (EL 9)
 * and 3.7 (Debian 12) accept; the settings that differ between the levels are written out.
 */
export function satelliteMainCf(fqdn: string, relay: string): string {
  return [
    '# Managed by Aare: rewritten on every rebuild (docs/mail.md).',
    "# Postfix as a null client: no local delivery, every message goes to the provider's relay.",
    'compatibility_level = 2',
    `myhostname = ${fqdn}`,
    'myorigin = $myhostname',
    'mydestination =',
    'local_transport = error:local delivery is disabled on this host',
    'alias_maps =',
    'alias_database =',
    'inet_interfaces = loopback-only',
    'mynetworks = 127.0.0.0/8 [::1]/128',
    'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination',
    `relayhost = ${relayhostOf(relay)}`,
    'smtp_tls_security_level = may',
    'smtpd_banner = $myhostname ESMTP',
    'disable_vrfy_command = yes',
    'append_dot_mydomain = no',
    'biff = no',
    '',
  ].join('\n');
}

/** undefined when no profile of the VM sends mail. */
export function vmMail(
  vm: Pick<Vm, 'fqdn'>,
  relay: string,
  profiles: readonly { profile: { sendsMail: boolean } }[],
): VmMail | undefined {
  if (!profiles.some((p) => p.profile.sendsMail)) return undefined;
  return {
    files: [{ path: SATELLITE_MAIN_CF, content: satelliteMainCf(vm.fqdn, relay), mode: '0644' }],
    packages: ['postfix'],
    services: ['postfix'],
    restarts: ['postfix'],
  };
}

/**
 * The satellite's files appended to the profiles' files. A profile that writes one of them too is
 * an error naming the profile: two writers of one file would leave whichever came last.
 */
export function withMailFiles(
  vm: Pick<Vm, 'address'>,
  files: CloudFile[],
  mail: VmMail | undefined,
  profiles: readonly { profile: Pick<Profile, 'name' | 'files' | 'source'> }[],
  diagnostics: Diagnostic[],
): CloudFile[] {
  if (!mail) return files;
  const ours = new Set(mail.files.map((f) => f.path));
  for (const { profile } of profiles) {
    for (const f of profile.files) {
      if (!ours.has(f.path)) continue;
      diagnostics.push(
        error(
          'TEMPLATE',
          `${vm.address}: profile ${profile.name} writes ${f.path}, which Aare generates for a VM that sends mail (docs/mail.md); remove the file from the profile`,
          { address: vm.address, source: profile.source },
        ),
      );
    }
  }
  return [...files.filter((f) => !ours.has(f.path)), ...mail.files];
}
