// A control repository written by an attacker (or an unlucky operator): `aare validate` and
// compile must run nothing, read nothing outside the repository and finish, with diagnostics
// at the place of the problem. Each test is an attack that used to succeed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileAll, validateControlRepo } from '../../src/compile/index.js';
import { sourceOf } from './control-repo-source.js';
import { formatDiagnostic } from '../../src/diag/index.js';
import { loadControlRepo } from '../../src/model/index.js';
import { ensureBuilt, projectRoot } from './puppet-harness.js';

const small = join(projectRoot, 'test/compile/fixtures/small-repo');
const MARKER = 'SECRET-MARKER-9d41';

function copy(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'aare-hostile-'));
  cpSync(small, dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

function outsideSecret(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'aare-outside-')), 'shadow');
  writeFileSync(file, `root:${MARKER}:19000:0:99999:7:::\n`);
  return file;
}

function everything(dir: string): { text: string; codes: string[] } {
  const v = validateControlRepo(sourceOf(dir));
  const controlRepo = loadControlRepo(dir);
  const c = compileAll(controlRepo.value);
  const text = JSON.stringify([v, c.diagnostics, c.value.map((x) => x.userData)]);
  return {
    text,
    codes: [...new Set(v.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code))],
  };
}

test('aare validate runs nothing a template asks for: the attempt is a diagnostic at file:line:col', () => {
  const marker = join(mkdtempSync(join(tmpdir(), 'aare-marker-')), 'ran');
  const dir = copy({
    'profiles/templates/base/motd.eta': `<%= params.motd %>\n<%= process.getBuiltinModule('child_process').execSync('touch ${marker}') %>\n`,
  });
  ensureBuilt();
  const r = spawnSync(process.execPath, [join(projectRoot, 'bin/aare.mjs'), 'validate', '--repo', dir], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(
    r.stdout + r.stderr,
    /profiles\/templates\/base\/motd\.eta:2:5: error TEMPLATE: .*unknown name 'process'/,
  );
  assert.doesNotMatch(r.stdout + r.stderr, /at .*\.(?:ts|mjs):\d+/); // no stack trace
  assert.equal(existsSync(marker), false);
  rmSync(dir, { recursive: true, force: true });
});

test('a template symlinked outside the repository is refused by name; its content appears nowhere', () => {
  const dir = copy();
  const motd = join(dir, 'profiles/templates/base/motd.eta');
  rmSync(motd);
  symlinkSync(outsideSecret(), motd);
  const { text, codes } = everything(dir);
  assert.deepEqual(codes, ['FILE_OUTSIDE_CONTROL_REPO']);
  assert.match(text, /template profiles\/templates\/base\/motd\.eta resolves to .*, outside/);
  assert.doesNotMatch(text, new RegExp(MARKER));
});

test('a Hiera data file symlinked outside the repository is refused by name; its content appears nowhere', () => {
  const dir = copy();
  const file = join(dir, 'data/customer/muster.yaml');
  rmSync(file);
  symlinkSync(outsideSecret(), file);
  const { text, codes } = everything(dir);
  assert.deepEqual(codes, ['FILE_OUTSIDE_CONTROL_REPO']);
  assert.match(text, /data\/customer\/muster\.yaml/);
  assert.doesNotMatch(text, new RegExp(MARKER));
});

test('an alias bomb and exponential interpolation in Hiera data fail validate quickly with positions', () => {
  const bomb = ['b0: &b0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 10; i++)
    bomb.push(
      `b${i}: &b${i} [${Array(9)
        .fill(`*b${i - 1}`)
        .join(', ')}]`,
    );
  const chain = ['k0: "0123456789"'];
  for (let i = 1; i <= 40; i++) chain.push(`k${i}: "%{lookup('k${i - 1}')}%{lookup('k${i - 1}')}"`);
  const cases: [string, string, RegExp][] = [
    [
      `${bomb.join('\n')}\nprofile::base::motd: *b9\n`,
      'data/reseller/alpine.yaml:6:10',
      /YAML aliases expand/,
    ],
    [
      `${chain.join('\n')}\nprofile::base::motd: "%{lookup('k40')}"\n`,
      'data/reseller/alpine.yaml:42:1',
      /key 'profile::base::motd': interpolation evaluates more than 10000/,
    ],
  ];
  for (const [data, at, message] of cases) {
    const dir = copy({ 'data/reseller/alpine.yaml': data });
    const t = performance.now();
    const r = validateControlRepo(sourceOf(dir));
    const ms = performance.now() - t;
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    assert.ok(errors.length > 0);
    for (const d of errors) assert.equal(d.code, 'HIERA_LIMIT', formatDiagnostic(d));
    const first = errors[0]!;
    assert.equal(`${first.source?.file}:${first.source?.start.line}:${first.source?.start.col}`, at);
    assert.match(first.summary, message);
    assert.ok(ms < 10_000, `validate took ${ms} ms`);
  }
});

test('user-data larger than Nova accepts is a diagnostic naming the VM and the size', () => {
  const dir = copy({
    'data/vm/muster/web2.yaml': `profile::base::motd: "${'m'.repeat(60_000)}"\nprofile::web::workers: 16\n`,
  });
  const r = validateControlRepo(sourceOf(dir));
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(
    errors.map((d) => [d.code, d.address]),
    [['USER_DATA_TOO_LARGE', 'muster/test/web2']],
  );
  assert.match(errors[0]!.summary, /user-data is \d+ bytes \(\d+ in base64\); Nova accepts at most 65535/);
});
