// After the commands a user runs on a fresh checkout of the demo (repositories, distributions,
// and a plan when the lab is up), `.aare/` holds one state file: state.db.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const lab = !!process.env.OS_CLIENT_CONFIG_FILE;

test('one state file in .aare/ after aare commands', { timeout: 300_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-one-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(root, 'examples/demo'), dir, { recursive: true, filter: (src) => !src.includes('/.aare') });
  const aare = (...args: string[]) => {
    const r = spawnSync('node', [join(root, 'bin/aare.mjs'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, AARE_STATE_DIR: '', AARE_DATABASE_URL: '', AARE_SERVE_URL: '' },
    });
    assert.equal(r.status, 0, `aare ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  aare('repo', 'create', 'muster-ag', '--customer', 'muster-ag', '-C', dir);
  aare('repo', 'distribute', 'muster-ag', 'test', '--control-repo', dir);
  aare('repo', 'snapshot', '--name', '2026-01', '--repo', dir);
  assert.match(aare('repo', 'list', '-C', dir), /muster-ag/);
  if (lab) assert.match(aare('plan', '-C', dir, '--customer', 'muster-ag', '--env', 'test'), /Plan: /);
  else t.diagnostic('plan not run: no lab OpenStack (eval "$(aare lab env)")');
  assert.deepEqual(
    readdirSync(join(dir, '.aare')).filter((f) => f.startsWith('state')),
    ['state.db'],
  );
});
