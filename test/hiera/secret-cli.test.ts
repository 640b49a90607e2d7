// `aare secret` through the built CLI, against Debian's `eyaml` (hiera-eyaml): keys made by one
// tool serve the other, and a value encrypted by one decrypts with the other, both ways. `edit`
// runs a scripted editor that checks it got a private file and changes one value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '../..');
const bin = join(repoRoot, 'bin/aare.mjs');
const eyamlMissing = spawnSync('eyaml', ['version']).error
  ? 'eyaml is not installed: `aare lab install hiera` (apt-get install hiera-eyaml)'
  : false;

function aare(
  cwd: string,
  args: string[],
  input?: string,
  env?: NodeJS.ProcessEnv,
): SpawnSyncReturns<string> {
  return spawnSync('node', [bin, ...args], { cwd, encoding: 'utf8', input, env: { ...process.env, ...env } });
}

function eyaml(cwd: string, args: string[]): SpawnSyncReturns<string> {
  return spawnSync('eyaml', args, { cwd, encoding: 'utf8' });
}

function workdir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'aare-secret-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('aare createkeys + encrypt, decrypted by eyaml', { skip: eyamlMissing }, (t) => {
  const dir = workdir(t);
  const k = aare(dir, ['secret', 'createkeys']);
  assert.equal(k.status, 0, k.stderr);
  assert.equal(statSync(join(dir, 'keys/private_key.pkcs7.pem')).mode & 0o777, 0o600);
  const again = aare(dir, ['secret', 'createkeys']);
  assert.equal(again.status, 1, 'never overwrites a key');
  assert.match(again.stderr, /SECRET_KEYS: .*already exists/);

  const e = aare(dir, ['secret', 'encrypt'], 'from aare: p@ss ü');
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, /^ENC\[PKCS7,[A-Za-z0-9+/=]+\]\n$/);
  const d = eyaml(dir, ['decrypt', '-s', e.stdout.trim()]);
  assert.equal(d.status, 0, d.stderr);
  assert.equal(d.stdout.trimEnd(), 'from aare: p@ss ü');

  const block = aare(dir, ['secret', 'encrypt', '--string', 'block value', '-o', 'block']);
  assert.equal(block.status, 0, block.stderr);
  writeFileSync(join(dir, 'f.eyaml'), `pw: ${block.stdout}`);
  const db = eyaml(dir, ['decrypt', '-f', 'f.eyaml']);
  assert.equal(db.status, 0, db.stderr);
  assert.match(db.stdout, /^pw: block value$/m);
});

test('eyaml createkeys + encrypt, read by aare lookup', { skip: eyamlMissing }, (t) => {
  const dir = workdir(t);
  assert.equal(eyaml(dir, ['createkeys']).status, 0);
  const e = eyaml(dir, ['encrypt', '-o', 'string', '-s', 'from eyaml']);
  assert.equal(e.status, 0, e.stderr);
  mkdirSync(join(dir, 'data'));
  writeFileSync(
    join(dir, 'hiera.yaml'),
    `version: 5
hierarchy:
  - name: secrets
    lookup_key: eyaml_lookup_key
    path: common.eyaml
    options:
      pkcs7_private_key: keys/private_key.pkcs7.pem
      pkcs7_public_key: keys/public_key.pkcs7.pem
`,
  );
  writeFileSync(join(dir, 'data/common.eyaml'), `pw: ${e.stdout.trim()}\n`);
  writeFileSync(join(dir, 'facts.json'), '{}');
  const l = aare(dir, [
    'lookup',
    'pw',
    '--json',
    '--config',
    'hiera.yaml',
    '--facts',
    'facts.json',
    '--show-secrets',
  ]);
  assert.equal(l.status, 0, l.stderr);
  assert.equal(JSON.parse(l.stdout), 'from eyaml');
  // without --show-secrets: a stable digest, never the value
  const hidden = aare(dir, ['lookup', 'pw', '--json', '--config', 'hiera.yaml', '--facts', 'facts.json']);
  assert.equal(hidden.status, 0, hidden.stderr);
  assert.match(JSON.parse(hidden.stdout) as string, /^\[sensitive\] sha256:[0-9a-f]{12}$/);
  assert.equal(
    aare(dir, ['lookup', 'pw', '--json', '--config', 'hiera.yaml', '--facts', 'facts.json']).stdout,
    hidden.stdout,
  );
  assert.doesNotMatch(hidden.stdout + hidden.stderr, /from eyaml/);

  // --key-level takes the keys from hiera.yaml; eyaml decrypts what aare wrote with them
  const lv = aare(dir, ['secret', 'encrypt', '--key-level', 'secrets', '--string', 'via level']);
  assert.equal(lv.status, 0, lv.stderr);
  assert.equal(eyaml(dir, ['decrypt', '-s', lv.stdout.trim()]).stdout.trimEnd(), 'via level');
  const bad = aare(dir, ['secret', 'encrypt', '--key-level', 'nope', '--string', 'x']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /no eyaml level 'nope' \(eyaml levels: 'secrets'\)/);
});

test(
  'aare secret edit: a private temporary file, removed; only edited values re-encrypted',
  { skip: eyamlMissing },
  (t) => {
    const dir = workdir(t);
    assert.equal(eyaml(dir, ['createkeys']).status, 0);
    const enc = (s: string): string => eyaml(dir, ['encrypt', '-o', 'string', '-s', s]).stdout.trim();
    const keep = enc('keep-me');
    writeFileSync(join(dir, 'common.eyaml'), `a: ${keep}\nb: ${enc('old-value')}\nplain: x\n`);
    // the editor records the file's mode and directory, then edits one value and adds one
    const editor = join(dir, 'editor.sh');
    writeFileSync(
      editor,
      `#!/bin/sh\nstat -c %a "$1" > "${dir}/mode"\ndirname "$1" > "${dir}/tmpdir"\n` +
        `sed -i 's/old-value/new-value/' "$1"\necho 'c: DEC::PKCS7[added]!' >> "$1"\n`,
      { mode: 0o755 },
    );
    const r = aare(dir, ['secret', 'edit', 'common.eyaml'], undefined, { EDITOR: editor, VISUAL: '' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'mode'), 'utf8').trim(), '600');
    const tmp = readFileSync(join(dir, 'tmpdir'), 'utf8').trim();
    assert.throws(() => statSync(tmp), 'the temporary directory is removed');
    const saved = readFileSync(join(dir, 'common.eyaml'), 'utf8');
    assert.doesNotMatch(saved, /new-value|added|DEC::/);
    assert.ok(saved.includes(`a: ${keep}\n`), 'an unchanged value keeps its ciphertext');
    assert.match(saved, /\nplain: x\n/);
    const d = eyaml(dir, ['decrypt', '-f', 'common.eyaml']);
    assert.equal(d.status, 0, d.stderr);
    assert.match(d.stdout, /^a: keep-me$/m);
    assert.match(d.stdout, /^b: new-value$/m);
    assert.match(d.stdout, /^c: added$/m);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith('.')),
      [],
      'no stray files beside the edited one',
    );
  },
);
