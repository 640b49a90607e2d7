// The broken-repository corpus: each case under test/model/broken/<case>/ is the small valid
// repository in base/ with one mistake (its files overlay base/, `delete` removes some), and an
// expect.json naming the one diagnostic `aare validate` must print: file, line, column, code.
// Runs the real CLI, as a user would.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const corpus = join(root, 'test/model/broken');
const cli = join(root, 'bin/aare.mjs');

interface Expect {
  file: string;
  line: number;
  col: number;
  code: string;
  delete?: string[];
}

const work = mkdtempSync(join(tmpdir(), 'aare-broken-'));
after(() => rmSync(work, { recursive: true, force: true }));

function prepare(name: string): string {
  const dir = join(work, name);
  cpSync(join(corpus, 'base'), dir, { recursive: true });
  if (name !== 'base') cpSync(join(corpus, name), dir, { recursive: true });
  const expect = readExpect(name);
  for (const f of expect?.delete ?? []) rmSync(join(dir, f), { recursive: true, force: true });
  rmSync(join(dir, 'expect.json'), { force: true });
  return dir;
}

function readExpect(name: string): Expect | undefined {
  const file = join(corpus, name, 'expect.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Expect) : undefined;
}

/** Runs `aare validate` in `dir`; cwd = the repository, so paths print as in expect.json. */
function validate(dir: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, 'validate'], { cwd: dir, encoding: 'utf8' }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

const cases = readdirSync(corpus, { withFileTypes: true })
  .filter((e) => e.isDirectory() && e.name !== 'base')
  .map((e) => e.name)
  .sort();

// each case is its own node process: run a few at once
describe('broken control repositories', { concurrency: 4 }, () => {
  test('the corpus has at least 40 cases', () => {
    assert.ok(cases.length >= 40, `only ${cases.length} cases`);
  });

  test('base/ itself is valid', async () => {
    const r = await validate(prepare('base'));
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
  });

  for (const name of cases) {
    test(name, async () => {
      const expect = readExpect(name);
      assert.ok(expect, `${name}/expect.json is missing`);
      const r = await validate(prepare(name));
      const out = r.stdout + r.stderr;
      assert.doesNotMatch(out, /internal error|\n\s+at /, 'no internal error or stack trace');
      assert.equal(r.status, 1, `exit code 1, got ${r.status}:\n${out}`);
      const lines = r.stderr.split('\n').filter((l) => / error [A-Z_]+: /.test(l));
      const want = `${expect.file}:${expect.line}:${expect.col}: error ${expect.code}: `;
      assert.equal(lines.length, 1, `exactly one diagnostic (one mistake), got:\n${out}`);
      assert.ok(lines[0]!.startsWith(want), `want ${want}…\ngot  ${lines[0]}`);
    });
  }
});
