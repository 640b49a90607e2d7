// The receiver configuration generator in memory: routing by assigned address only, refusals.
// That rsyslogd accepts and obeys the text is logging-lab.test.ts's part.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logging } from '../../../src/providers/index.js';

const endpoint = { target: 'logs.example.test:6514', protocol: 'tcp' as const };
const vms = [
  { customer: 'beta', environment: 'test', vm: 'db1', ip: '10.2.0.10' },
  { customer: 'alpha', environment: 'production', vm: 'web1', ip: '10.1.1.10' },
];

test('each VM is routed by its assigned address to <logDir>/<customer>/<environment>/<vm>', () => {
  const r = logging.receiverConfig(endpoint, vms, { logDir: '/srv/logs/' });
  assert.deepEqual(r.diagnostics, []);
  const text = r.value!;
  assert.match(text, /if \$fromhost-ip == "10\.1\.1\.10" then set \$\.aaredir = "alpha\/production\/web1";/);
  assert.match(text, /else if \$fromhost-ip == "10\.2\.0\.10" then set \$\.aaredir = "beta\/test\/db1";/);
  assert.match(text, /else set \$\.aaredir = "_unknown\/" & replace\(\$fromhost-ip/);
  assert.match(text, /string="\/srv\/logs\/%\$\.aaredir%\/%\$\.aareprog:1:64:secpath-replace%\.log"/);
  assert.match(text, /input\(type="imtcp" port="6514" ruleset="aareReceive"\)/);
  // the claimed hostname never takes part in routing or paths
  const rules = text
    .split('\n')
    .filter((l) => !l.trim().startsWith('#'))
    .join('\n');
  assert.doesNotMatch(rules, /hostname|\$source|fromhost"|fromhost%/i);
});

test('port, listen address, UDP and TLS', () => {
  const udp = logging.receiverConfig({ ...endpoint, protocol: 'udp' }, vms, {
    logDir: '/l',
    port: 1514,
    address: '127.0.0.1',
  }).value!;
  assert.match(udp, /input\(type="imudp" address="127\.0\.0\.1" port="1514" ruleset="aareReceive"\)/);
  const tlsEndpoint = { ...endpoint, tls: { caFile: '/etc/pki/ca.pem' } };
  const missing = logging.receiverConfig(tlsEndpoint, vms, { logDir: '/l' });
  assert.equal(missing.value, undefined);
  assert.equal(missing.diagnostics[0]?.code, 'LOGGING_CONFIG');
  const tls = logging.receiverConfig(tlsEndpoint, vms, {
    logDir: '/l',
    tls: { caFile: '/r/ca.pem', certFile: '/r/cert.pem', keyFile: '/r/key.pem' },
  }).value!;
  assert.match(tls, /DefaultNetstreamDriverCertFile="\/r\/cert\.pem"/);
  assert.match(tls, /streamDriver\.name="gtls" streamDriver\.mode="1"/);
});

test('an address of two VMs is refused: the receiver could not tell their customers apart', () => {
  const r = logging.receiverConfig(
    endpoint,
    [...vms, { customer: 'gamma', environment: 'test', vm: 'x', ip: '10.2.0.10', address: 'gamma/test/x' }],
    { logDir: '/l' },
  );
  assert.equal(r.value, undefined);
  assert.equal(r.diagnostics.length, 1);
  assert.equal(r.diagnostics[0]!.code, 'LOGGING_CONFIG');
  assert.equal(r.diagnostics[0]!.address, 'gamma/test/x');
  assert.match(
    r.diagnostics[0]!.summary,
    /gamma\/test\/x and beta\/test\/db1 have the same address 10\.2\.0\.10/,
  );
});

test('names that are not path segments, addresses that are not IPs and unsafe log dirs are refused', () => {
  for (const bad of [
    { customer: '..', environment: 'test', vm: 'a', ip: '10.0.0.1' },
    { customer: 'a', environment: 'test/../b', vm: 'a', ip: '10.0.0.1' },
    { customer: 'a', environment: 'test', vm: 'a', ip: '10.0.0.1"; stop' },
  ]) {
    const r = logging.receiverConfig(endpoint, [bad], { logDir: '/l' });
    assert.equal(r.value, undefined, JSON.stringify(bad));
    assert.equal(r.diagnostics[0]?.code, 'LOGGING_CONFIG');
  }
  for (const logDir of ['relative', '/a"b', '/a%b'])
    assert.equal(logging.receiverConfig(endpoint, vms, { logDir }).value, undefined, logDir);
});

test('no VM known: every line goes to the unknown-sender directory', () => {
  const text = logging.receiverConfig(endpoint, [], { logDir: '/l' }).value!;
  assert.match(text, /^ {2}set \$\.aaredir = "_unknown\/"/m);
  assert.doesNotMatch(text, /fromhost-ip ==/);
});
