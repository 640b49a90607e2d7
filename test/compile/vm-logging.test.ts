// The VM's forwarding snippet in memory, and once through the real `rsyslogd -N1`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath } from '../../src/diag/index.js';
import { forwardConf, vmLogging } from '../../src/compile/index.js';

const plain = { target: 'logs.example.test:6514', protocol: 'tcp' as const };
const withTls = {
  ...plain,
  tls: { caFile: '/etc/pki/aare/ca.pem', certFile: '/etc/pki/aare/vm.pem', keyFile: '/etc/pki/aare/vm.key' },
};

test('log files are read tagged, everything goes out in RFC 5424 over TCP with a disk-assisted queue', () => {
  const v = vmLogging(['/var/log/shop/booking.log', '/var/log/messages', '/var/log/shop/booking.log'], plain);
  assert.deepEqual(v.packages, ['rsyslog']);
  assert.deepEqual(v.restarts, ['rsyslog']);
  assert.equal(v.files.length, 1);
  const text = v.files[0]!.content;
  assert.equal(v.files[0]!.path, '/etc/rsyslog.d/90-aare-forward.conf');
  assert.equal(text.match(/type="imfile"/g)?.length, 1);
  assert.match(text, /File="\/var\/log\/shop\/booking\.log" Tag="booking:" Ruleset="aareForward"/);
  // rsyslog writes /var/log/messages itself: read back it would go out twice
  assert.doesNotMatch(text, /File="\/var\/log\/messages"/);
  assert.match(text, /Target="logs\.example\.test"\s+Port="6514"\s+Protocol="tcp"/);
  assert.match(text, /Template="RSYSLOG_SyslogProtocol23Format"\s+TCP_Framing="octet-counted"/);
  assert.match(text, /queue\.type="LinkedList"\s+queue\.filename="aare-forward"/);
  assert.match(text, /queue\.saveOnShutdown="on"\s+action\.resumeRetryCount="-1"/);
  assert.match(text, /^call aareForward$/m);
  assert.doesNotMatch(text, /gtls/);
});

test('TLS: gtls with the receiver name checked, and its package', () => {
  const v = vmLogging([], withTls);
  assert.deepEqual(v.packages, ['rsyslog', 'rsyslog-gnutls']);
  const text = v.files[0]!.content;
  assert.match(text, /StreamDriver="gtls"\s+StreamDriverMode="1"\s+StreamDriverAuthMode="x509\/name"/);
  assert.match(text, /StreamDriverPermittedPeers="logs\.example\.test"/);
  assert.match(text, /StreamDriver\.CAFile="\/etc\/pki\/aare\/ca\.pem"/);
  assert.match(text, /StreamDriver\.KeyFile="\/etc\/pki\/aare\/vm\.key"/);
  assert.doesNotMatch(text, /imfile/);
});

test('UDP has no TCP framing; IPv6 targets lose their brackets; quotes in paths are escaped', () => {
  const udp = forwardConf([], { target: '[2001:db8::5]:514', protocol: 'udp' });
  assert.match(udp, /Target="2001:db8::5"\s+Port="514"\s+Protocol="udp"/);
  assert.doesNotMatch(udp, /TCP_Framing/);
  const odd = forwardConf([{ path: '/var/log/a"b\\c.log', tag: 'a"b c' }], plain);
  assert.match(odd, /File="\/var\/log\/a\\"b\\\\c\.log" Tag="a_b_c:"/);
});

const rsyslogd = findOnPath('rsyslogd', `${process.env.PATH ?? ''}:/usr/sbin`);
test(
  'the real rsyslogd -N1 accepts the snippet, with and without TLS',
  { skip: rsyslogd ? undefined : 'rsyslogd is not installed (aare lab install syslog)' },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'aare-vm-logging-'));
    try {
      for (const [name, endpoint] of [
        ['plain', plain],
        ['tls', withTls],
      ] as const) {
        const snippet = join(dir, `${name}.conf`);
        writeFileSync(snippet, vmLogging(['/var/log/shop/booking.log'], endpoint).files[0]!.content);
        const main = join(dir, `${name}-main.conf`);
        writeFileSync(main, `global(workDirectory="${dir}")\ninclude(file="${snippet}")\n`);
        const r = spawnSync(rsyslogd!, ['-N1', '-f', main], { encoding: 'utf8' });
        assert.equal(r.status, 0, `${name}: ${r.stdout}${r.stderr}`);
        assert.doesNotMatch(r.stderr, /error|not supported|ignored/i, name);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
