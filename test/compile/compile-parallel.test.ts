// `aare compile --all --out DIR` with worker threads (the built CLI; many VMs) writes the same
// bytes as compiling in one thread, and fails the same way, writing nothing, when one VM fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PARALLEL_FROM_VMS } from '../../src/compile/index.js';
import { generateRepo } from '../../bench/compile/generate-repo.js';
import { ensureBuilt, projectRoot } from './puppet-harness.js';

function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

function compileAll(controlRepoDir: string, out: string, threads: string) {
  return spawnSync(
    process.execPath,
    [join(projectRoot, 'bin/aare.mjs'), 'compile', '--all', '--repo', controlRepoDir, '--out', out],
    { encoding: 'utf8', env: { ...process.env, AARE_COMPILE_THREADS: threads } },
  );
}

test('compile --all in worker threads writes the same files as in one thread', () => {
  ensureBuilt();
  const root = mkdtempSync(join(tmpdir(), 'aare-compile-parallel-'));
  try {
    const controlRepoDir = join(root, 'repo');
    const gen = generateRepo(join(projectRoot, 'examples/demo'), controlRepoDir, PARALLEL_FROM_VMS + 100);
    const one = compileAll(controlRepoDir, join(root, 'one'), '1');
    const two = compileAll(controlRepoDir, join(root, 'two'), '2');
    assert.equal(one.status, 0, one.stderr);
    assert.equal(two.status, 0, two.stderr);
    assert.equal(two.stderr, one.stderr.replace(join(root, 'one'), join(root, 'two')));
    const a = tree(join(root, 'one'));
    const b = tree(join(root, 'two'));
    assert.ok(a.size >= gen.vms * 3, `${a.size} files`);
    assert.deepStrictEqual([...b.keys()].sort(), [...a.keys()].sort());
    for (const [file, text] of a) assert.equal(b.get(file), text, file);

    // a VM of the worker's share fails: the same diagnostics, and nothing is written
    const customerFile = join(controlRepoDir, 'tenants/bench-reseller-1/bench-c0001.yaml');
    appendFileSync(
      join(controlRepoDir, 'data/customer/bench-c0001.yaml'),
      'profile::base::motd: [not, a, string]\n',
    );
    assert.ok(statSync(customerFile).isFile());
    const oneBad = compileAll(controlRepoDir, join(root, 'one-bad'), '1');
    const twoBad = compileAll(controlRepoDir, join(root, 'two-bad'), '2');
    assert.equal(oneBad.status, 1, oneBad.stderr);
    assert.equal(twoBad.status, 1);
    assert.equal(twoBad.stderr, oneBad.stderr);
    assert.match(twoBad.stderr, /bench-c0001/);
    assert.throws(() => statSync(join(root, 'two-bad')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
