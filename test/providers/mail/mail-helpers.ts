// What the mail tests share: the real Postfix (private instances with their own config and queue
// directories, never the system's), an SMTP client on node:net that can pick its source address,
// the lab relay's client map (replaced for a test and restored), and the sink's Maildir.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { projectRoot } from '../../compile/puppet-harness.js';

export const smallRepoFixture = resolve(projectRoot, 'test/compile/fixtures/small-repo');

/** undefined when Postfix can run private instances here (installed, and we are root). */
export function postfixSkip(): string | undefined {
  if (!existsSync('/usr/sbin/postfix') || !existsSync('/usr/sbin/postconf'))
    return 'postfix is not installed (`aare lab install mail` as root; lab/packages/mail.txt lists it)';
  if (process.getuid?.() !== 0) return 'a private Postfix instance needs root (its master runs as root)';
  return undefined;
}

export const labSkip: string | false =
  process.env.AARE_LAB_SMTP && process.env.AARE_LAB_MAIL_SINK && process.env.AARE_LAB_MAIL_RELAY_CONFIG
    ? false
    : 'no lab mail relay (AARE_LAB_SMTP unset; run `aare lab up mail` and `eval "$(aare lab env)"`)';

/**
 * A copy of the compile fixture whose `muster/test` network is `testCidr` and whose relay is
 * `relay`: web1 and web2 (role webserver) send mail, so muster/test and muster/production are
 * permitted networks.
 */
export function repoCopy(testCidr: string, relay: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'aare-mail-repo-'));
  cpSync(smallRepoFixture, dir, { recursive: true });
  const tenant = join(dir, 'tenants/alpine/muster.yaml');
  writeFileSync(tenant, readFileSync(tenant, 'utf8').replace('cidr: 10.20.1.0/24', `cidr: ${testCidr}`));
  const aare = join(dir, 'aare.yaml');
  writeFileSync(aare, readFileSync(aare, 'utf8').replace(/relay: \S+/, `relay: ${relay}`));
  return dir;
}

export interface CheckResult {
  /** Non-empty when `postfix check` failed or `postconf -n` warned. */
  problems: string[];
}

/**
 * A private instance in `dir`: `dir/etc/main.cf` is `mainCf` plus the instance's own
 * directories and `extra` lines; master.cf is Debian's without the SMTP listener and chroot.
 * Then `postfix -c dir/etc check` and `postconf -c dir/etc -n` (any `warning:` counts, since
 * `postfix check` catches only fatal mistakes).
 */
export function privateInstance(dir: string, mainCf: string, extra: string[] = []): CheckResult {
  const etc = join(dir, 'etc');
  // Postfix's own processes run as its user: mkdtemp's 0700 would shut them out
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  for (const d of [etc, join(dir, 'spool'), join(dir, 'data')]) mkdirSync(d, { recursive: true });
  writeFileSync(
    join(etc, 'main.cf'),
    mainCf +
      [
        `queue_directory = ${dir}/spool`,
        `data_directory = ${dir}/data`,
        `maillog_file = ${dir}/maillog`,
        `maillog_file_prefixes = ${dir}`,
        ...extra,
        '',
      ].join('\n'),
  );
  cpSync('/usr/share/postfix/master.cf.dist', join(etc, 'master.cf'));
  execFileSync('postconf', ['-c', etc, '-M#', 'smtp/inet']);
  execFileSync('postconf', ['-c', etc, '-F', '*/*/chroot = n']);
  execFileSync('chown', ['postfix', join(dir, 'data')]);
  const problems: string[] = [];
  const check = spawnSync('postfix', ['-c', etc, 'check'], { encoding: 'utf8' });
  // without a terminal, Postfix reports into its maillog_file
  const log = () =>
    existsSync(join(dir, 'maillog')) ? readFileSync(join(dir, 'maillog'), 'utf8').trim() : '';
  if (check.status !== 0) problems.push(`postfix check: ${check.stderr.trim()} ${log()}`);
  const conf = spawnSync('postconf', ['-c', etc, '-n'], { encoding: 'utf8' });
  if (conf.status !== 0 || /warning:/.test(conf.stderr)) problems.push(`postconf -n: ${conf.stderr.trim()}`);
  return { problems };
}

/** `postmap -q KEY cidr:FILE`: the table's answer, or undefined; stderr (a bad line) throws. */
export function cidrLookup(file: string, key: string): string | undefined {
  const r = spawnSync('postmap', ['-q', key, `cidr:${file}`], { encoding: 'utf8' });
  if (r.stderr.trim() !== '') throw new Error(`postmap complains about ${file}: ${r.stderr.trim()}`);
  if (r.status === 0) return r.stdout.trim();
  if (r.status === 1) return undefined;
  throw new Error(`postmap -q exited ${r.status}`);
}

export interface SmtpReply {
  code: number;
  text: string;
}

/**
 * One SMTP session from `localAddress`: EHLO, MAIL, RCPT, and DATA with `message` when the
 * recipient was accepted. Returns every reply in order; the session ends at the first refusal.
 */
export function smtpSend(opts: {
  server: string;
  localAddress: string;
  from: string;
  to: string;
  message: string;
}): Promise<SmtpReply[]> {
  const i = opts.server.lastIndexOf(':');
  const socket = connect({
    host: opts.server.slice(0, i),
    port: Number(opts.server.slice(i + 1)),
    localAddress: opts.localAddress,
  });
  socket.setTimeout(10_000);
  const replies: SmtpReply[] = [];
  const steps = [
    'EHLO client.aare.test',
    `MAIL FROM:<${opts.from}>`,
    `RCPT TO:<${opts.to}>`,
    'DATA',
    opts.message.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..') + '\r\n.',
    'QUIT',
  ];
  return new Promise((done, fail) => {
    let buffer = '';
    let lines: string[] = [];
    let ended = false;
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        lines.push(line.slice(4));
        if (line[3] === '-') continue;
        const reply = { code: Number(line.slice(0, 3)), text: lines.join('\n') };
        lines = [];
        replies.push(reply);
        if (ended) continue;
        const step = steps.shift();
        if (step === undefined || reply.code >= 400) {
          ended = true;
          if (step !== undefined && step !== 'QUIT') socket.write('QUIT\r\n');
          socket.end();
          return;
        }
        socket.write(step + '\r\n');
      }
    });
    socket.on('timeout', () => socket.destroy(new Error('SMTP session timed out')));
    socket.on('error', fail);
    socket.on('close', () => done(replies));
  });
}

/** Polls the Maildir (≤ `ms`) for a message containing `token`; its text, or undefined. */
export async function waitForMail(maildir: string, token: string, ms = 10_000): Promise<string | undefined> {
  const deadline = Date.now() + ms;
  const dir = join(maildir, 'new');
  for (;;) {
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      if (text.includes(token)) return text;
    }
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The smtpd processes of the Postfix master `masterPid`. */
function smtpdChildren(masterPid: number): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      if (m?.[1] === 'smtpd' && Number(m[2]) === masterPid) pids.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * `postfix reload`, then waits until every smtpd that ran before has exited: a running smtpd
 * keeps the client map it read when it started, so a session with it would see the old map.
 */
export async function reloadRelay(configDir: string): Promise<void> {
  const queue = execFileSync('postconf', ['-c', configDir, '-h', 'queue_directory'], {
    encoding: 'utf8',
  }).trim();
  const master = Number(readFileSync(join(queue, 'pid/master.pid'), 'utf8').trim());
  const before = smtpdChildren(master);
  execFileSync('postfix', ['-c', configDir, 'reload'], { stdio: 'pipe' });
  const deadline = Date.now() + 10_000;
  while (before.some((p) => existsSync(`/proc/${p}`))) {
    if (Date.now() > deadline)
      throw new Error(`smtpd ${before.join(', ')} did not exit after postfix reload`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
