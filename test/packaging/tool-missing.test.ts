// A missing external program is a diagnostic that names it and how to install it, never an
// internal error: `aare package build` on a copy of the demo with a PATH that lacks rpmbuild (or
// bwrap, or git). The PATH is a folder of symlinks to only the programs the test allows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { externalTools, findOnPath, labAreasOf, toolMissing } from '../../src/diag/index.js';

const root = resolve(import.meta.dirname, '../..');

/** A folder holding symlinks to exactly `programs` (as found on this machine's PATH). */
function pathWith(dir: string, programs: string[]): string {
  mkdirSync(dir);
  for (const p of programs) {
    const real = p === 'node' ? process.execPath : findOnPath(p);
    if (real) symlinkSync(real, join(dir, p));
  }
  return dir;
}

function buildDemo(programs: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'aare-tools-'));
  const demo = join(dir, 'demo');
  cpSync(join(root, 'examples/demo'), demo, { recursive: true, filter: (src) => !src.includes('/.aare') });
  const r = spawnSync(
    process.execPath,
    [join(root, 'bin/aare.mjs'), 'package', 'build', '--all-new-tags', '--repo', demo],
    {
      encoding: 'utf8',
      env: {
        PATH: pathWith(join(dir, 'bin'), programs),
        HOME: dir,
        AARE_STATE_DIR: '',
        AARE_DATABASE_URL: '',
      },
    },
  );
  rmSync(dir, { recursive: true, force: true });
  return r;
}

// what make-git-repos.sh runs to turn the demo's shipped sources into git repositories
const shell = ['node', 'sh', 'ls', 'sort', 'tar', 'mkdir', 'cat', 'gzip'];

function assertToolMissing(r: ReturnType<typeof buildDemo>, tool: string, pkg: string): void {
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`error TOOL_MISSING: ${tool} is not installed`));
  assert.ok(r.stderr.includes(`apt-get install ${pkg}`), r.stderr);
  assert.match(r.stderr, /aare lab install packaging/);
  assert.doesNotMatch(r.stderr, /internal error|^\s+at /m);
}

const noGit = findOnPath('git') ? false : 'git is not installed';

test('package build without rpmbuild on PATH names rpmbuild and how to install it', { skip: noGit }, () => {
  const r = buildDemo([...shell, 'git', 'bwrap']);
  assertToolMissing(r, 'rpmbuild', 'rpm');
  assert.doesNotMatch(r.stderr, /bwrap is not installed/);
});

test('package build without bwrap on PATH names bubblewrap', { skip: noGit }, () => {
  const r = buildDemo([...shell, 'git', 'rpmbuild']);
  assertToolMissing(r, 'bwrap', 'bubblewrap');
});

test('package build without git on PATH names git', () => {
  const r = buildDemo(shell);
  assertToolMissing(r, 'git', 'git');
  assert.equal(r.stderr.match(/TOOL_MISSING/g)?.length, 2, 'once per package, not once per tag');
});

test('every tool is in the package list of its lab area', () => {
  for (const [tool, t] of Object.entries(externalTools)) {
    const list = join(root, 'lab/packages', `${t.labArea}.txt`);
    assert.ok(existsSync(list), `${tool}: ${list} is missing`);
    const names = readFileSync(list, 'utf8')
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim());
    assert.ok(names.includes(t.debianPackage), `${tool}: ${t.debianPackage} is not in ${list}`);
  }
  assert.deepEqual(labAreasOf(['git', 'rpmbuild', 'bwrap', 'puppet', 'cloud-init']), [
    'packaging',
    'compile',
  ]);
});

test('the diagnostic and the PATH lookup', () => {
  const d = toolMissing('rpmbuild', { address: 'package x' });
  assert.equal(d.code, 'TOOL_MISSING');
  assert.equal(d.address, 'package x');
  assert.match(d.summary, /^rpmbuild is not installed .*`aare lab up`.*`apt-get install rpm`/);
  assert.equal(findOnPath('sh', '/nonexistent:relative/dir'), undefined, 'relative PATH entries are ignored');
  assert.equal(findOnPath('node', resolve(process.execPath, '..')), process.execPath);
  assert.equal(findOnPath('bin', '/usr'), undefined, 'a directory is not a program');
});
