// A release's control repository is read from git at its commit: later commits, uncommitted edits
// and untracked files do not reach it; ignored files (keys) are linked in from the working copy;
// a control repository in a subdirectory of its git repository is that subdirectory.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkoutCommit } from '../../src/release/index.js';

test('checkoutCommit: the commit, not the working tree; ignored files linked; subdirectory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-checkout-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.ch', ...args], {
      cwd: dir,
      encoding: 'utf8',
    });
  const control = join(dir, 'ops/control');
  mkdirSync(join(control, 'data'), { recursive: true });
  writeFileSync(join(dir, '.gitignore'), 'keys/\n.aare/\n');
  writeFileSync(join(control, 'aare.yaml'), 'name: frozen\n');
  writeFileSync(join(control, 'data/common.yaml'), 'a: 1\n');
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'one');
  const first = git('rev-parse', 'HEAD').trim();
  writeFileSync(join(control, 'data/common.yaml'), 'a: 2\n');
  git('commit', '-qam', 'two');
  // after the freeze: an uncommitted edit, an untracked file, an ignored key directory
  writeFileSync(join(control, 'aare.yaml'), 'name: edited\n');
  writeFileSync(join(control, 'data/new.yaml'), 'b: 1\n');
  mkdirSync(join(control, 'keys'));
  writeFileSync(join(control, 'keys/private_key.pkcs7.pem'), 'KEY');

  const tree = await checkoutCommit(control, first);
  assert.deepEqual(tree.diagnostics, []);
  const at = tree.value!;
  t.after(() => at.remove());
  assert.equal(readFileSync(join(at.dir, 'aare.yaml'), 'utf8'), 'name: frozen\n');
  assert.equal(readFileSync(join(at.dir, 'data/common.yaml'), 'utf8'), 'a: 1\n');
  assert.equal(existsSync(join(at.dir, 'data/new.yaml')), false);
  assert.equal(lstatSync(join(at.dir, 'keys')).isSymbolicLink(), true);
  assert.equal(readFileSync(join(at.dir, 'keys/private_key.pkcs7.pem'), 'utf8'), 'KEY');
  assert.equal(existsSync(join(at.dir, '.gitignore')), false);
  at.remove();
  assert.equal(existsSync(at.dir), false);

  const missing = await checkoutCommit(control, '0123456789abcdef0123456789abcdef01234567');
  assert.equal(missing.value, undefined);
  assert.match(missing.diagnostics[0]!.summary, /has no commit 0123456789ab/);
});
