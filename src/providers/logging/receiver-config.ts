// The central receiver's rsyslog configuration for every customer (docs/logging.md). A line is
// filed under <logDir>/<customer>/<environment>/<vm>/<program>.log by the address it came from,
// which Aare assigned to that VM; the hostname a line claims is never part of a path, so a VM
// cannot write into another customer's directory by lying about its name. Senders Aare does not
// know go to <logDir>/_unknown/<address>/.
import { error } from '../../diag/index.js';
import type { Diagnostic, Result, SourceRange } from '../../diag/index.js';
import { rsyslogString as quote, splitTarget } from '../../compile/index.js';
import type { LoggingEndpoint } from '../../compile/index.js';

/** One VM as the receiver knows it: where its lines go, and the address they come from. */
export interface ReceiverVm {
  customer: string;
  environment: string;
  vm: string;
  /** The address Aare assigned to the VM (its port's fixed IP). */
  ip: string;
  /** `customer/environment/vm`, for diagnostics. */
  address?: string;
  source?: SourceRange;
}

export interface ReceiverOptions {
  /** Where the per-customer directories are made, an absolute path on the receiver. */
  logDir: string;
  /** The port to listen on; default the port of `endpoint.target`. */
  port?: number;
  /** The local address to listen on; default every address. */
  address?: string;
  /** Files on the receiver host for TLS; required when `endpoint.tls` is set. */
  tls?: { caFile: string; certFile: string; keyFile: string };
}

/** The directory under the log dir that takes lines from senders Aare did not assign. */
export const UNKNOWN_SENDER_DIR = '_unknown';

/** Names that become path segments: DNS labels, as the model requires for customers, environments and VMs. */
const SEGMENT = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * The receiver's configuration text, complete for one rsyslogd (a file in /etc/rsyslog.d/, or the
 * whole configuration). Refuses (diagnostics, no text) when an address belongs to two VMs, since
 * the receiver could then not tell them apart, or when a name is not a safe path segment.
 */
export function receiverConfig(
  endpoint: LoggingEndpoint,
  vms: readonly ReceiverVm[],
  options: ReceiverOptions,
): Result<string | undefined> {
  const diagnostics: Diagnostic[] = [];
  // a quote, backslash or % would end the template string or start a property in it
  // eslint-disable-next-line no-control-regex
  if (!options.logDir.startsWith('/') || /[\x00-\x1f"\\%]/.test(options.logDir))
    diagnostics.push(
      error('LOGGING_CONFIG', `the log directory must be an absolute path without quotes, % or \\`, {
        field: 'logDir',
      }),
    );
  if (endpoint.tls && !options.tls)
    diagnostics.push(
      error(
        'LOGGING_CONFIG',
        'endpoints.logging.tls is set: the receiver needs its CA, certificate and key files',
        { field: 'endpoints.logging.tls' },
      ),
    );
  const byIp = new Map<string, ReceiverVm>();
  for (const v of vms) {
    const where = { ...(v.address ? { address: v.address } : {}), ...(v.source ? { source: v.source } : {}) };
    const name = `${v.customer}/${v.environment}/${v.vm}`;
    const bad = [v.customer, v.environment, v.vm].find((s) => !SEGMENT.test(s));
    if (bad !== undefined) {
      diagnostics.push(error('LOGGING_CONFIG', `${name}: '${bad}' cannot be a directory name`, where));
      continue;
    }
    const ip = v.ip.toLowerCase();
    if (!IPV4.test(ip) && !/^[0-9a-f:]+$/.test(ip)) {
      diagnostics.push(error('LOGGING_CONFIG', `${name}: '${v.ip}' is not an IP address`, where));
      continue;
    }
    const other = byIp.get(ip);
    if (other) {
      diagnostics.push(
        error(
          'LOGGING_CONFIG',
          `${name} and ${other.customer}/${other.environment}/${other.vm} have the same address ${ip}: ` +
            'the receiver files lines by address, so networks that reach it must not overlap (docs/logging.md)',
          where,
        ),
      );
      continue;
    }
    byIp.set(ip, { ...v, ip });
  }
  if (diagnostics.length > 0) return { value: undefined, diagnostics };

  const port = options.port ?? splitTarget(endpoint.target).port;
  const listen = `${options.address ? `address=${quote(options.address)} ` : ''}port=${quote(String(port))}`;
  const dir = options.logDir.replace(/\/+$/, '');
  const sorted = [...byIp.values()].sort((a, b) =>
    a.customer !== b.customer
      ? cmp(a.customer, b.customer)
      : a.environment !== b.environment
        ? cmp(a.environment, b.environment)
        : cmp(a.vm, b.vm),
  );
  const out = [
    '# Written by `aare logging receiver-config` (docs/logging.md): the central receiver for every',
    '# customer. Lines are filed by the address Aare assigned to the sending VM, never by the',
    '# hostname they claim. Regenerate it when VMs are added or removed, then restart rsyslogd.',
    `template(name="aareVmFile" type="string" string=${quote(`${dir}/%$.aaredir%/%$.aareprog:1:64:secpath-replace%.log`)})`,
    '',
    'ruleset(name="aareReceive") {',
    '  # a program name is the sender’s claim: secpath-replace keeps it one file name inside the directory',
    '  set $.aareprog = $programname;',
    '  if $.aareprog == "" then set $.aareprog = "unknown";',
  ];
  let first = true;
  for (const v of sorted) {
    out.push(
      `  ${first ? 'if' : 'else if'} $fromhost-ip == ${quote(v.ip)} then set $.aaredir = ${quote(`${v.customer}/${v.environment}/${v.vm}`)};`,
    );
    first = false;
  }
  // the address is rsyslog's own (from the socket); no sender controls it beyond its IP
  const unknown = `set $.aaredir = "${UNKNOWN_SENDER_DIR}/" & replace($fromhost-ip, "/", "_");`;
  out.push(first ? `  ${unknown}` : `  else ${unknown}`);
  out.push(
    '  action(type="omfile" name="aare-receive" dynaFile="aareVmFile" template="RSYSLOG_FileFormat"',
    '         dirCreateMode="0750" fileCreateMode="0640" dynaFileCacheSize="1000")',
    '  stop',
    '}',
    '',
  );
  if (endpoint.protocol === 'udp') {
    out.push('module(load="imudp")', `input(type="imudp" ${listen} ruleset="aareReceive")`);
  } else if (endpoint.tls && options.tls) {
    out.push(
      `global(DefaultNetstreamDriverCAFile=${quote(options.tls.caFile)}`,
      `       DefaultNetstreamDriverCertFile=${quote(options.tls.certFile)}`,
      `       DefaultNetstreamDriverKeyFile=${quote(options.tls.keyFile)})`,
      'module(load="imtcp")',
      `input(type="imtcp" ${listen} ruleset="aareReceive"`,
      // VMs authenticate by address; with client certificates add authMode x509/certvalid
      '      streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")',
    );
  } else {
    out.push('module(load="imtcp")', `input(type="imtcp" ${listen} ruleset="aareReceive")`);
  }
  out.push('');
  return { value: out.join('\n'), diagnostics: [] };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
