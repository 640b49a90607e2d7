// The lab's mail relay (lab/mail) reading Aare's client map: a control repository whose
// customer environment muster/test is 127.0.77.0/24 (loopback, so this machine can send from
// inside it) writes the map with `aare mail relay-config --map`, the relay reloads, and then mail
// from inside the network reaches the sink, mail from outside every permitted network is refused,
// and a compiled VM's own satellite main.cf, run as a private Postfix, delivers through the relay.
// The relay's previous map is restored afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { compileAll } from '../../../src/compile/index.js';
import { loadControlRepo } from '../../../src/model/index.js';
import { ensureBuilt, projectRoot } from '../../compile/puppet-harness.js';
import {
  labSkip,
  postfixSkip,
  privateInstance,
  reloadRelay,
  repoCopy,
  smtpSend,
  waitForMail,
} from './mail-helpers.js';

const skip = labSkip || postfixSkip() || false;

function token(): string {
  return `aare-mail-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

test('the lab relay permits exactly the networks of Aare’s map', { skip }, async (t) => {
  const relay = process.env.AARE_LAB_SMTP!;
  const sink = process.env.AARE_LAB_MAIL_SINK!;
  const config = process.env.AARE_LAB_MAIL_RELAY_CONFIG!;
  const mapFile = join(config, 'aare-clients.cidr');
  const repo = repoCopy('127.0.77.0/24', relay);
  const previous = readFileSync(mapFile, 'utf8');
  t.after(async () => {
    writeFileSync(mapFile, previous);
    await reloadRelay(config);
    rmSync(repo, { recursive: true, force: true });
  });

  ensureBuilt();
  const r = spawnSync(
    process.execPath,
    [join(projectRoot, 'bin/aare.mjs'), 'mail', 'relay-config', '-C', repo, '--map', mapFile],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(readFileSync(mapFile, 'utf8'), /^# muster\/test\n127\.0\.77\.0\/24\tOK$/m);
  await reloadRelay(config);

  await t.test('from inside a permitted network: accepted, and the message reaches the sink', async () => {
    const tok = token();
    const replies = await smtpSend({
      server: relay,
      localAddress: '127.0.77.5',
      from: 'app@web2.test.muster.cloud.acme.test',
      to: 'someone@example.org',
      message: `From: app@web2.test.muster.cloud.acme.test\nTo: someone@example.org\nSubject: ${tok}\n\nhello from muster/test\n`,
    });
    assert.deepEqual(
      replies.map((x) => x.code),
      [220, 250, 250, 250, 354, 250, 221],
      JSON.stringify(replies),
    );
    const delivered = await waitForMail(sink, tok);
    assert.ok(delivered, `no message with ${tok} in ${sink}/new within 10 s`);
    assert.match(delivered, /^X-Peer: .*127\.0\.0\.1/m);
    assert.match(delivered, /hello from muster\/test/);
  });

  await t.test('from outside every permitted network: 554 Relay access denied', async () => {
    const replies = await smtpSend({
      server: relay,
      localAddress: '127.0.78.5',
      from: 'app@elsewhere.example',
      to: 'someone@example.org',
      message: `Subject: ${token()}\n\nnot allowed\n`,
    });
    const rcpt = replies[3]!;
    assert.equal(rcpt.code, 554, JSON.stringify(replies));
    assert.match(rcpt.text, /Relay access denied/);
    assert.equal(replies.length, 5, 'the session ends after the refusal (QUIT)');
  });

  await t.test(
    'a compiled VM’s satellite main.cf, run as a private Postfix, delivers through the relay',
    async (st) => {
      const compiled = compileAll(loadControlRepo(repo).value).value.find(
        (c) => c.address === 'muster/test/web2',
      )!;
      const doc = parse(compiled.userData) as { write_files: { path: string; content: string }[] };
      const mainCf = doc.write_files.find((f) => f.path === '/etc/postfix/main.cf')!.content;
      assert.match(
        mainCf,
        new RegExp(`^relayhost = \\[${relay.replace(/[.:]/g, (c) => `\\${c}`).replace('\\:', '\\]:')}$`, 'm'),
      );
      const dir = mkdtempSync(join(tmpdir(), 'aare-satellite-'));
      // the VM's address inside its environment network
      const check = privateInstance(dir, mainCf, ['smtp_bind_address = 127.0.77.10']);
      assert.deepEqual(check.problems, []);
      const etc = join(dir, 'etc');
      execFileSync('postfix', ['-c', etc, 'start'], { stdio: 'pipe' });
      st.after(() => {
        spawnSync('postfix', ['-c', etc, 'stop'], { stdio: 'pipe' });
        rmSync(dir, { recursive: true, force: true });
      });
      const tok = token();
      execFileSync('/usr/sbin/sendmail', ['-C', etc, '-t', '-i'], {
        input: `To: someone@example.org\nSubject: ${tok}\n\nfrom the satellite\n`,
      });
      const delivered = await waitForMail(sink, tok);
      assert.ok(
        delivered,
        `no message with ${tok} in ${sink}/new within 10 s; satellite log:\n${readFileSync(join(dir, 'maillog'), 'utf8')}`,
      );
      assert.match(delivered, /^From: .*@web2\.test\.muster\.cloud\.acme\.test/m);
    },
  );
});
