// eyaml_lookup_key beyond the recorded corpus: keys made here (PKCS7 with createKeys, GPG with a
// key gpg generates in a private home), per-customer keys interpolated per VM, and the
// diagnostics a block that cannot be decrypted gives (file:line:col, never the plaintext).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkDataFiles, loadHiera } from '../../src/hiera/index.js';
import { createKeys, encryptToEnc, pkcs7Decrypt } from '../../src/hiera/hiera-eyaml.js';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aare-eyaml-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

const PER_CUSTOMER = `version: 5
hierarchy:
  - name: "Per-customer secrets"
    lookup_key: eyaml_lookup_key
    path: "secrets/%{facts.customer}.eyaml"
    options:
      pkcs7_private_key: keys/%{facts.customer}/private_key.pkcs7.pem
      pkcs7_public_key: keys/%{facts.customer}/public_key.pkcs7.pem
  - name: "Common"
    path: "common.yaml"
`;

const acme = createKeys();
const globex = createKeys();

test("per-customer keys: each customer's data decrypts with its own key, never another's", (t) => {
  const dir = tree({
    'hiera.yaml': PER_CUSTOMER,
    'keys/acme/private_key.pkcs7.pem': acme.privateKeyPem,
    'keys/acme/public_key.pkcs7.pem': acme.publicKeyPem,
    'keys/globex/private_key.pkcs7.pem': globex.privateKeyPem,
    'keys/globex/public_key.pkcs7.pem': globex.publicKeyPem,
    'data/secrets/acme.eyaml': `db_password: ${encryptToEnc('acme-pw', acme.publicKeyPem)}\n`,
    // a globex file that holds a value encrypted to acme's key (copied across by mistake)
    'data/secrets/globex.eyaml': `db_password: ${encryptToEnc('globex-pw', globex.publicKeyPem)}\nstolen: >\n  ${encryptToEnc('acme-only', acme.publicKeyPem)}\n`,
    'data/common.yaml': 'db_password: plain\n',
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { value: hiera, diagnostics } = loadHiera(join(dir, 'hiera.yaml'));
  assert.deepEqual(diagnostics, []);
  const a = hiera.lookup('db_password', { facts: { customer: 'acme' } });
  assert.ok('found' in a && a.found);
  assert.equal(a.value, 'acme-pw');
  assert.equal(a.sensitive, 'decrypted');
  const g = hiera.lookup('db_password', { facts: { customer: 'globex' } });
  assert.ok('found' in g && g.found && g.value === 'globex-pw');
  const plain = hiera.lookup('db_password', { facts: { customer: 'initech' } });
  assert.ok('found' in plain && plain.found && plain.value === 'plain' && plain.sensitive === undefined);

  const stolen = hiera.lookup('stolen', { facts: { customer: 'globex' } });
  assert.ok('error' in stolen, 'acme data under globex key does not decrypt');
  assert.equal(stolen.error.code, 'HIERA_DECRYPT');
  assert.match(stolen.error.summary, /Error was bad decrypt/);
  assert.doesNotMatch(stolen.error.summary, /acme-only/);
  assert.deepEqual(stolen.error.source?.start, { line: 2, col: 1 });
  assert.match(stolen.error.source?.file ?? '', /secrets\/globex\.eyaml$/);
});

test('a missing key file is a diagnostic naming it; a YAML level never decrypts', (t) => {
  const dir = tree({
    'hiera.yaml': PER_CUSTOMER,
    'data/secrets/acme.eyaml': `token: ${encryptToEnc('t0k', acme.publicKeyPem)}\n`,
    'data/common.yaml': `copy: ${encryptToEnc('t0k', acme.publicKeyPem)}\n`,
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { value: hiera } = loadHiera(join(dir, 'hiera.yaml'));
  const r = hiera.lookup('token', { facts: { customer: 'acme' } });
  assert.ok('error' in r);
  assert.equal(r.error.code, 'HIERA_DECRYPT');
  assert.match(r.error.summary, /No such file or directory - .*keys\/acme\/private_key\.pkcs7\.pem/);
  const c = hiera.lookup('copy', { facts: { customer: 'acme' } });
  assert.ok('found' in c && c.found);
  assert.match(String(c.value), /^ENC\[PKCS7,/);
});

test('lookup --explain never shows a decrypted value', (t) => {
  const dir = tree({
    'hiera.yaml': PER_CUSTOMER,
    'keys/acme/private_key.pkcs7.pem': acme.privateKeyPem,
    'keys/acme/public_key.pkcs7.pem': acme.publicKeyPem,
    'data/secrets/acme.eyaml': `pw: ${encryptToEnc('explain-me-not', acme.publicKeyPem)}\n`,
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { value: hiera } = loadHiera(join(dir, 'hiera.yaml'));
  const r = hiera.lookup('pw', { facts: { customer: 'acme' }, explain: true });
  assert.ok('found' in r && r.found && r.value === 'explain-me-not');
  assert.doesNotMatch(JSON.stringify(r.explain), /explain-me-not/);
  assert.match(JSON.stringify(r.explain), /\[sensitive\]/);
});

const gpgMissing = spawnSync('gpg', ['--version']).error
  ? 'gpg is not installed (apt-get install gnupg)'
  : false;

test('ENC[GPG,...] decrypts with a key gpg makes in gpg_gnupghome', { skip: gpgMissing }, (t) => {
  const dir = tree({
    'data/.keep': '',
    'hiera.yaml': `version: 5
hierarchy:
  - name: "Secrets"
    lookup_key: eyaml_lookup_key
    path: "secrets.eyaml"
    options:
      gpg_gnupghome: keys/gnupg
`,
  });
  const home = join(dir, 'keys/gnupg');
  mkdirSync(home, { recursive: true });
  chmodSync(home, 0o700);
  t.after(() => {
    spawnSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']);
    rmSync(dir, { recursive: true, force: true });
  });
  const gpg = (args: string[], input?: string): Buffer => {
    const r = spawnSync('gpg', ['--homedir', home, '--batch', '--quiet', ...args], { input });
    assert.equal(r.status, 0, r.stderr.toString());
    return r.stdout;
  };
  gpg([
    '--passphrase',
    '',
    '--quick-gen-key',
    'Aare Test <aare-test@example.net>',
    'default',
    'default',
    'never',
  ]);
  const message = gpg(['--trust-model', 'always', '--encrypt', '-r', 'aare-test@example.net'], 'gpg-secret');
  writeFileSync(join(dir, 'data/secrets.eyaml'), `pw: "user:ENC[GPG,${message.toString('base64')}]"\n`);
  const { value: hiera } = loadHiera(join(dir, 'hiera.yaml'));
  const r = hiera.lookup('pw', { facts: {} });
  assert.ok('found' in r && r.found, JSON.stringify(r));
  assert.equal(r.value, 'user:gpg-secret');
  assert.equal(r.sensitive, 'decrypted');
});

test('checkDataFiles (aare validate): a value the level key cannot decrypt, at file:line:col, no plaintext', (t) => {
  const dir = tree({
    'hiera.yaml': PER_CUSTOMER,
    'keys/acme/private_key.pkcs7.pem': acme.privateKeyPem,
    'keys/acme/public_key.pkcs7.pem': acme.publicKeyPem,
    'keys/globex/private_key.pkcs7.pem': globex.privateKeyPem,
    'keys/globex/public_key.pkcs7.pem': globex.publicKeyPem,
    'data/secrets/acme.eyaml': `db_password: ${encryptToEnc('acme-pw', acme.publicKeyPem)}\n`,
    'data/secrets/globex.eyaml': `ok: ${encryptToEnc('globex-pw', globex.publicKeyPem)}\nusers:\n  - name: x\n    pw: ${encryptToEnc('acme-leak', acme.publicKeyPem)}\n`,
    // no key pair for initech: one diagnostic for the file, not one per value
    'data/secrets/initech.eyaml': `a: ${encryptToEnc('initech-one', acme.publicKeyPem)}\nb: ${encryptToEnc('initech-two', acme.publicKeyPem)}\n`,
    'data/common.yaml': 'x: 1\n',
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { value: hiera } = loadHiera(join(dir, 'hiera.yaml'));
  const found = checkDataFiles(hiera);
  const shown = found.map(
    (d) => `${d.source?.file}:${d.source?.start.line}:${d.source?.start.col} ${d.code}`,
  );
  assert.deepEqual(shown.sort(), [
    'data/secrets/globex.eyaml:4:9 HIERA_DECRYPT',
    'data/secrets/initech.eyaml:1:4 HIERA_DECRYPT',
  ]);
  const text = JSON.stringify(found);
  assert.match(
    text,
    /value of 'pw' cannot be decrypted with keys\/globex\/private_key\.pkcs7\.pem: bad decrypt/,
  );
  assert.match(text, /No such file or directory/);
  for (const p of ['acme-pw', 'globex-pw', 'acme-leak', 'initech-one', 'initech-two'])
    assert.ok(!text.includes(p), p);
});

test('a wrong PKCS7 key is "bad decrypt" every time, also when its modulus is smaller than the encrypted key', () => {
  // the encrypted key is a number below the right key's modulus; against a wrong key with a
  // smaller modulus RSA refuses it before any padding check, which once leaked OpenSSL's own text
  const right = createKeys();
  const messages = new Set<string>();
  for (let k = 0; k < 6; k++) {
    const wrong = createPrivateKey(createKeys().privateKeyPem);
    for (let i = 0; i < 6; i++) {
      const enc = encryptToEnc(`secret ${k}/${i}`, right.publicKeyPem);
      const der = Buffer.from(/^ENC\[PKCS7,(.*)\]$/s.exec(enc)![1]!, 'base64');
      assert.throws(
        () => pkcs7Decrypt(der, wrong, undefined),
        (e: Error) => (messages.add(e.message), true),
      );
    }
  }
  assert.deepEqual([...messages], ['bad decrypt']);
});
