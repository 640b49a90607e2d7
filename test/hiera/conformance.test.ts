// The Hiera conformance corpus (../shared/hiera-conformance: expectations recorded from the real
// `puppet lookup` 7.23) through the real CLI, `node bin/aare.mjs lookup`, as its runner calls it.
// npm test builds dist/ before the tests run. Skipped, with the reason, when ../shared is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '../..');
const corpus = resolve(repoRoot, '../shared/hiera-conformance');
const runner = join(corpus, 'run-hiera-conformance.sh');
const cli = `node ${join(repoRoot, 'bin/aare.mjs')} lookup`;

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
