// The Hiera conformance corpus (../shared/hiera-conformance: expectations recorded from the real
// `puppet lookup` 7.23) through the real CLI, `node bin/aare.mjs lookup`, as its runner calls it.
// npm test builds dist/ before the tests run. Skipped, with the reason, when ../shared is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '../..');
const corpus = resolve(repoRoot, '../shared/hiera-conformance');
const runner = join(corpus, 'run-hiera-conformance.sh');
// the corpus compares JSON: `--render-as json`, as its expectations were recorded from Puppet
const cli = `node ${join(repoRoot, 'bin/aare.mjs')} lookup --render-as json`;

function run(args: string[]): string {
  const r = spawnSync('bash', [runner, ...args, cli], { encoding: 'utf8', timeout: 600_000, cwd: repoRoot });
  return `${r.stdout}${r.stderr}`;
}

const absent = existsSync(runner) ? false : `${corpus} is absent (CI has ../shared beside the clone)`;

test('aare lookup passes the shared Hiera conformance corpus', { skip: absent, timeout: 600_000 }, () => {
  const out = run([]);
  const summary = /^(\d+) passed, (\d+) failed$/m.exec(out);
  assert.ok(summary, `no summary line in:\n${out}`);
  assert.equal(summary[2], '0', out);
  assert.ok(Number(summary[1]) >= 151, out);
});

test("aare lookup passes the project's own cases through the CLI", { skip: absent, timeout: 600_000 }, () => {
  const out = run(['--cases', join(repoRoot, 'test/hiera/cases')]);
  assert.match(out, /^\d+ passed, 0 failed$/m, out);
});

// The eyaml corpus: ENC[PKCS7,...] and ENC[GPG,...] blocks with each case's throwaway keys. It is
// run from a copy because gpg wants a private, writable home (its agent's socket and lock files
// live there when the machine has no /run/user/<uid>); the agents it starts are stopped after.
test(
  'aare lookup passes the shared hiera-eyaml corpus (PKCS7 and GPG)',
  { skip: absent, timeout: 600_000 },
  (t) => {
    const copy = mkdtempSync(join(tmpdir(), 'aare-eyaml-corpus-'));
    const homes: string[] = [];
    t.after(() => {
      for (const h of homes) spawnSync('gpgconf', ['--homedir', h, '--kill', 'gpg-agent']);
      rmSync(copy, { recursive: true, force: true });
    });
    cpSync(join(corpus, 'cases-eyaml'), copy, { recursive: true });
    spawnSync('chmod', ['-R', 'u+w', copy]);
    for (const c of readdirSync(copy)) {
      const home = join(copy, c, 'keys', 'gnupg');
      if (existsSync(home)) {
        chmodSync(home, 0o700);
        homes.push(home);
      }
    }
    assert.ok(homes.length >= 2, 'the corpus has its GPG cases');
    // Puppet prints decrypted values; aare lookup does so only when asked
    const r = spawnSync('bash', [runner, '--cases', copy, `${cli} --show-secrets`], {
      encoding: 'utf8',
      timeout: 600_000,
      cwd: repoRoot,
    });
    const out = `${r.stdout}${r.stderr}`;
    const summary = /^(\d+) passed, (\d+) failed$/m.exec(out);
    assert.ok(summary, `no summary line in:\n${out}`);
    assert.equal(summary[2], '0', out);
    assert.equal(Number(summary[1]), 29, out);
  },
);
