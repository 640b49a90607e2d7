// Central logging end to end with the real rsyslogd: a receiver started with the generated
// receiver configuration (on a free port of its own, so tests never restart the shared lab
// receiver, see lab/README.md), and a stand-in VM: an rsyslogd started with the generated VM
// forwarding snippet, fed through a private imuxsock socket. Customer alpha's VM sends from
// 127.0.0.1 and claims to be beta's db1; beta's db1 is 127.0.0.2.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { freePort } from '../../free-port.js';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { vmLogging } from '../../../src/compile/index.js';
import { findOnPath } from '../../../src/diag/index.js';
import { logging } from '../../../src/providers/index.js';

const rsyslogd = findOnPath('rsyslogd', `${process.env.PATH ?? ''}:/usr/sbin`);
const skip = !process.env.AARE_LAB_SYSLOG
  ? 'no lab syslog service (AARE_LAB_SYSLOG unset; run `aare lab up syslog` and `eval "$(aare lab env)"`)'
  : !rsyslogd || !findOnPath('logger')
    ? 'rsyslogd or logger is not installed (aare lab install syslog)'
    : undefined;

const world = [
  { customer: 'alpha', environment: 'test', vm: 'web1', ip: '127.0.0.1' },
  { customer: 'beta', environment: 'test', vm: 'db1', ip: '127.0.0.2' },
];
let dir = '';
let logs = '';
let port = 0;
const children: ChildProcess[] = [];

function start(name: string, conf: string): void {
  const child = spawn(rsyslogd!, ['-n', '-f', conf, '-i', join(dir, `${name}.pid`)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (b: Buffer) => process.stderr.write(`[${name}] ${b.toString()}`));
  children.push(child);
}

/** Polls (every 25 ms, at most 5 s) until `f` returns a value. */
async function until<T>(what: string, f: () => T | undefined): Promise<T> {
  const end = Date.now() + 5000;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`not within 5 s: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** The files (relative to the log dir) that hold `token`. */
const holding = (token: string) =>
  filesUnder(logs)
    .filter((f) => readFileSync(f, 'utf8').includes(token))
    .map((f) => relative(logs, f));

async function landed(token: string): Promise<string[]> {
  return until(`${token} received`, () => {
    const f = holding(token);
    return f.length > 0 ? f : undefined;
  });
}

/** One RFC 5424 line over TCP from `localAddress`, as a VM could write it by hand. */
function sendRaw(localAddress: string, hostname: string, app: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const line = `<14>1 2024-01-01T00:00:00Z ${hostname} ${app} - - - ${text}`;
    const s = connect({ host: '127.0.0.1', port, localAddress }, () => {
      s.end(`${Buffer.byteLength(line)} ${line}`, () => resolve());
    });
    s.once('error', reject);
  });
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'aare-logging-lab-'));
  logs = join(dir, 'logs');
  port = await freePort();
  const endpoint = { target: `127.0.0.1:${port}`, protocol: 'tcp' as const };

  const receiver = logging.receiverConfig(endpoint, world, { logDir: logs, address: '127.0.0.1' });
  assert.deepEqual(receiver.diagnostics, []);
  mkdirSync(join(dir, 'rx-work'));
  writeFileSync(join(dir, 'receiver.conf'), receiver.value!);
  writeFileSync(
    join(dir, 'rx-main.conf'),
    `global(workDirectory="${dir}/rx-work")\ninclude(file="${dir}/receiver.conf")\n`,
  );
  start('receiver', join(dir, 'rx-main.conf'));
  await until('the receiver listens', () =>
    spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`]).status === 0 ? true : undefined,
  );

  // the stand-in VM: alpha's web1, claiming beta's db1 as its hostname
  mkdirSync(join(dir, 'vm-work'));
  writeFileSync(join(dir, 'booking.log'), '');
  const vm = vmLogging([join(dir, 'booking.log')], endpoint);
  writeFileSync(join(dir, 'forward.conf'), vm.files[0]!.content);
  writeFileSync(
    join(dir, 'vm-main.conf'),
    [
      `global(workDirectory="${dir}/vm-work" localHostname="db1.test.beta.cloud.test")`,
      'module(load="imuxsock" SysSock.Use="off")',
      `input(type="imuxsock" Socket="${dir}/dev-log")`,
      `include(file="${dir}/forward.conf")`,
      '',
    ].join('\n'),
  );
  start('vm', join(dir, 'vm-main.conf'));
  await until('the VM socket', () => (existsSync(join(dir, 'dev-log')) ? true : undefined));
});

after(async () => {
  for (const c of children) {
    if (c.exitCode !== null) continue;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('rsyslogd -N1 accepts the generated receiver configuration', { skip }, () => {
  const r = spawnSync(rsyslogd!, ['-N1', '-f', join(dir, 'rx-main.conf')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test(
  'a logger line from the VM lands in its own customer/environment/vm directory, whatever hostname it claims',
  { skip },
  async () => {
    const token = `aare-log-${process.pid}-${Date.now()}`;
    const r = spawnSync('logger', ['-u', join(dir, 'dev-log'), '-t', 'shop', token], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(await landed(token), ['alpha/test/web1/shop.log']);
    // the claimed name is in the line, never in the path
    assert.match(
      readFileSync(join(logs, 'alpha/test/web1/shop.log'), 'utf8'),
      /db1\.test\.beta\.cloud\.test shop/,
    );
    assert.deepEqual(
      filesUnder(join(logs, 'beta')).filter((f) => readFileSync(f, 'utf8').includes(token)),
      [],
    );
  },
);

test('a line appended to a profile log file is forwarded under the file’s tag', { skip }, async () => {
  const token = `aare-file-${process.pid}-${Date.now()}`;
  appendFileSync(join(dir, 'booking.log'), `${token}\n`);
  assert.deepEqual(await landed(token), ['alpha/test/web1/booking.log']);
});

test(
  'lines are filed by sending address: claims of hostname and program cannot leave the sender’s directory',
  { skip },
  async () => {
    const own = `aare-beta-${Date.now()}`;
    await sendRaw('127.0.0.2', 'web1.test.alpha.cloud.test', 'db', own);
    assert.deepEqual(await landed(own), ['beta/test/db1/db.log']);

    const lie = `aare-lie-${Date.now()}`;
    await sendRaw('127.0.0.1', 'db1.test.beta.cloud.test', '../../../beta/test/db1/db', lie);
    const [file] = await landed(lie);
    assert.ok(file!.startsWith('alpha/test/web1/'), file);
    assert.equal(file!.split('/').length, 4, file);

    const stranger = `aare-unknown-${Date.now()}`;
    await sendRaw('127.0.0.3', 'db1.test.beta.cloud.test', 'x', stranger);
    assert.deepEqual(await landed(stranger), ['_unknown/127.0.0.3/x.log']);
  },
);

test('the lab receiver files a line by its sending address', { skip }, async () => {
  const [host, labPort] = process.env.AARE_LAB_SYSLOG!.split(':');
  const token = `aare-lab-${process.pid}-${Date.now()}`;
  const r = spawnSync('logger', ['-T', '-n', host!, '-P', labPort!, '-t', 'aaretest', token], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const file = join(process.env.AARE_LAB_SYSLOG_LOGS!, '_unknown', '127.0.0.1', 'aaretest.log');
  await until(`${token} in ${file}`, () =>
    existsSync(file) && readFileSync(file, 'utf8').includes(token) ? true : undefined,
  );
});
