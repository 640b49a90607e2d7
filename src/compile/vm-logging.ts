// A VM's side of central logging (docs/logging.md): one rsyslog snippet that reads the profiles'
// log files (imfile) and forwards them, with the journal and every other local message, to the
// provider's receiver in RFC 5424 over TCP (TLS when aare.yaml asks for it). The receiver files a
// line by the address it came from, never by what the line claims, so nothing here is trusted.
import type { CloudFile } from './cloud-init-render.js';
import { logTag } from './desired-state.js';

/** aare.yaml `endpoints.logging`. */
export interface LoggingEndpoint {
  target: string;
  protocol: 'tcp' | 'udp';
  tls?: { caFile: string; certFile?: string; keyFile?: string; permittedPeer?: string };
}

/** What the VM's cloud-init gets for logging: the snippet, its packages, the restart that loads it. */
export interface VmLogging {
  files: CloudFile[];
  packages: string[];
  restarts: string[];
}

export const FORWARD_CONF_PATH = '/etc/rsyslog.d/90-aare-forward.conf';

/**
 * Files rsyslog itself writes from local messages: those lines already go out through the
 * forwarding of local messages, and reading them back with imfile would send each line twice.
 */
export const SYSLOG_WRITTEN_FILES: ReadonlySet<string> = new Set([
  '/var/log/messages',
  '/var/log/secure',
  '/var/log/maillog',
  '/var/log/cron',
  '/var/log/syslog',
  '/var/log/auth.log',
  '/var/log/mail.log',
  '/var/log/kern.log',
]);

/** The disk-assisted queue may hold this much while the receiver is unreachable. */
export const FORWARD_QUEUE_MAX_DISK = '1g';

/**
 * The VM's forwarding configuration for its profiles' log files (`logPaths`, in the profiles'
 * order; each is tagged as desired.json's `logs` tags it). Pure: the same input gives the same text.
 */
export function vmLogging(logPaths: readonly string[], endpoint: LoggingEndpoint): VmLogging {
  const logs = [...new Set(logPaths)].map((path) => ({ path, tag: logTag(path) }));
  return {
    files: [{ path: FORWARD_CONF_PATH, content: forwardConf(logs, endpoint), mode: '0644' }],
    packages: endpoint.tls ? ['rsyslog', 'rsyslog-gnutls'] : ['rsyslog'],
    // the image's rsyslog started before write_files; it reads /etc/rsyslog.d/ only on a restart
    restarts: ['rsyslog'],
  };
}

/** The text of /etc/rsyslog.d/90-aare-forward.conf. */
export function forwardConf(
  logs: readonly { path: string; tag: string }[],
  endpoint: LoggingEndpoint,
): string {
  const { host, port } = splitTarget(endpoint.target);
  const lines = [
    '# Written by Aare (docs/logging.md): forwards the profiles’ log files, the journal and every',
    '# local message to the central receiver. Rebuilt with the VM; do not edit.',
  ];
  const read = logs.filter((l) => !SYSLOG_WRITTEN_FILES.has(l.path));
  if (read.length > 0) {
    lines.push('module(load="imfile")');
    for (const l of read) {
      lines.push(
        `input(type="imfile" File=${quote(l.path)} Tag=${quote(`${programName(l.tag)}:`)} ` +
          'Ruleset="aareForward" Facility="local0" Severity="info")',
      );
    }
  }
  for (const l of logs.filter((x) => SYSLOG_WRITTEN_FILES.has(x.path)))
    lines.push(`# ${l.path.replace(/[\r\n]/g, '?')}: written by rsyslog; its lines go out as local messages`);

  const fwd = [
    'type="omfwd"',
    'name="aare-forward"',
    `Target=${quote(host)}`,
    `Port=${quote(String(port))}`,
    `Protocol=${quote(endpoint.protocol)}`,
    'Template="RSYSLOG_SyslogProtocol23Format"',
  ];
  if (endpoint.protocol === 'tcp') fwd.push('TCP_Framing="octet-counted"');
  const tls = endpoint.tls;
  if (tls) {
    fwd.push(
      'StreamDriver="gtls"',
      'StreamDriverMode="1"',
      'StreamDriverAuthMode="x509/name"',
      `StreamDriverPermittedPeers=${quote(tls.permittedPeer ?? host)}`,
      `StreamDriver.CAFile=${quote(tls.caFile)}`,
    );
    if (tls.certFile && tls.keyFile)
      fwd.push(`StreamDriver.CertFile=${quote(tls.certFile)}`, `StreamDriver.KeyFile=${quote(tls.keyFile)}`);
  }
  // disk-assisted: lines wait in memory, spill to the work directory, survive a restart, and are
  // sent when the receiver is back (retried forever)
  fwd.push(
    'queue.type="LinkedList"',
    'queue.filename="aare-forward"',
    `queue.maxDiskSpace="${FORWARD_QUEUE_MAX_DISK}"`,
    'queue.saveOnShutdown="on"',
    'action.resumeRetryCount="-1"',
    'action.resumeInterval="10"',
  );
  lines.push(
    'ruleset(name="aareForward") {',
    `  action(${fwd.join('\n         ')})`,
    '}',
    '# the journal and every local message (the default ruleset)',
    'call aareForward',
    '',
  );
  return lines.join('\n');
}

/** `host:port` or `[v6]:port` (aare.yaml checked the form). */
export function splitTarget(target: string): { host: string; port: number } {
  const i = target.lastIndexOf(':');
  const host = target.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(target.slice(i + 1)) };
}

/** RFC 5424 APP-NAME: printable ASCII without spaces, at most 48; kept to a safe file name. */
function programName(tag: string): string {
  return tag.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 32) || 'log';
}

/** An rsyslog string constant: backslash and quote escaped, control characters never passed on. */
export function quote(text: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${text.replace(/[\\"]/g, '\\$&').replace(/[\x00-\x1f\x7f]/g, '?')}"`;
}
