// Hostile or unlucky control repositories: links out of the repository, links to nothing, bytes
// that are not UTF-8, files large enough to expose quadratic work, alias bombs. Each must end in
// a diagnostic naming the file (and line), never in a read outside, a hang or a crash.
import { strict as assert } from 'node:assert';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';
import { firstInvalidUtf8 } from './control-repo-read.js';
import { loadControlRepo, readControlRepoFile } from './index.js';

const base = fileURLToPath(new URL('../../test/model/broken/base', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'aare-read-'));
after(() => rmSync(work, { recursive: true, force: true }));

// a file outside every repository below, with a marker that must never reach a diagnostic
const secretFile = join(work, 'secret.yaml');
const secret = 'provider-signing-key-7f3a91';
writeFileSync(secretFile, `description: ${secret}\n`);

let n = 0;
function repoCopy(): string {
  const dir = join(work, `repo${n++}`);
  cpSync(base, dir, { recursive: true });
  return dir;
}

function show(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map(formatDiagnostic);
}

function assertNoSecret(diagnostics: Diagnostic[]): void {
  assert.ok(!JSON.stringify(diagnostics).includes(secret), 'the outside file was read');
}

describe('files are read only inside the control repository', () => {
  test('a profile linked to a file outside: an error naming it and its target, never read', () => {
    const dir = repoCopy();
    symlinkSync(secretFile, join(dir, 'profiles/evil.yaml'));
    const { value, diagnostics } = loadControlRepo(dir);
    assert.deepEqual(show(diagnostics), [
      `profiles/evil.yaml:1:1: error FILE_OUTSIDE_CONTROL_REPO: profiles/evil.yaml points outside the control repository (to ${secretFile}): Aare reads only files inside it`,
    ]);
    assertNoSecret(diagnostics);
    assert.equal(value.profiles.has('evil'), false);
  });

  test(
    'a profile linked to /etc/passwd: its contents appear nowhere',
    { skip: !existsSync('/etc/passwd') },
    () => {
      const dir = repoCopy();
      symlinkSync('/etc/passwd', join(dir, 'profiles/passwd.yaml'));
      const { diagnostics } = loadControlRepo(dir);
      assert.deepEqual(
        diagnostics.map((d) => `${d.source?.file} ${d.code}`),
        ['profiles/passwd.yaml FILE_OUTSIDE_CONTROL_REPO'],
      );
      assert.ok(!JSON.stringify(diagnostics).includes('root:'), 'contents of /etc/passwd in a diagnostic');
    },
  );

  test('a reseller folder linked outside: an error, nothing under it is read', () => {
    const dir = repoCopy();
    const outside = join(work, 'outside-reseller');
    mkdirSync(outside, { recursive: true });
    cpSync(secretFile, join(outside, 'cust.yaml'));
    writeFileSync(
      join(dir, 'tenants/other.yaml'),
      'displayName: Other\ncontact: { name: O, email: o@o.example }\n',
    );
    symlinkSync(outside, join(dir, 'tenants/other'));
    const { diagnostics } = loadControlRepo(dir);
    assert.deepEqual(
      diagnostics.map((d) => `${d.source?.file} ${d.code}`),
      ['tenants/other FILE_OUTSIDE_CONTROL_REPO'],
    );
    assertNoSecret(diagnostics);
  });

  test('a customer linked to a file that does not exist: an error, not a customer less', () => {
    const dir = repoCopy();
    symlinkSync('../../gone/acme2.yaml', join(dir, 'tenants/resel/acme2.yaml'));
    const { diagnostics } = loadControlRepo(dir);
    assert.deepEqual(show(diagnostics), [
      'tenants/resel/acme2.yaml:1:1: error REPO_FILE_MISSING: tenants/resel/acme2.yaml is a symbolic link to ../../gone/acme2.yaml, which does not exist',
    ]);
  });

  test('links inside the repository are followed: a linked customer and profile folder load', () => {
    const dir = repoCopy();
    mkdirSync(join(dir, 'shared/profiles'), { recursive: true });
    writeFileSync(join(dir, 'shared/profiles/extra.yaml'), 'description: Extra.\n');
    symlinkSync('../shared/profiles', join(dir, 'profiles/shared'));
    // a link to a folder already walked must not make the walk loop
    symlinkSync('.', join(dir, 'profiles/shared-loop'));
    cpSync(join(dir, 'tenants/resel/beta.yaml'), join(dir, 'kept-beta.yaml'));
    rmSync(join(dir, 'tenants/resel/beta.yaml'));
    symlinkSync('../../kept-beta.yaml', join(dir, 'tenants/resel/beta.yaml'));
    const { value, diagnostics } = loadControlRepo(dir);
    assert.deepEqual(show(diagnostics), []);
    assert.ok(value.customers.has('beta'), 'the linked customer file is read');
    assert.ok(value.profiles.has('extra'), 'the linked profile folder is walked');
  });

  test('a link loop: an error naming it', () => {
    const dir = repoCopy();
    symlinkSync('loop-b.yaml', join(dir, 'roles/loop-a.yaml'));
    symlinkSync('loop-a.yaml', join(dir, 'roles/loop-b.yaml'));
    const { diagnostics } = loadControlRepo(dir);
    assert.deepEqual(
      diagnostics.map((d) => `${d.source?.file} ${d.code}`),
      ['roles/loop-a.yaml REPO_FILE_MISSING', 'roles/loop-b.yaml REPO_FILE_MISSING'],
    );
  });

  test('a template linked outside: an error at the profile that names it', () => {
    const dir = repoCopy();
    rmSync(join(dir, 'profiles/templates/web/site.conf.eta'));
    symlinkSync(secretFile, join(dir, 'profiles/templates/web/site.conf.eta'));
    const { diagnostics } = loadControlRepo(dir);
    assert.deepEqual(
      diagnostics.map((d) => `${d.source?.file}:${d.source?.start.line} ${d.code}`),
      ['profiles/web.yaml:11 FILE_OUTSIDE_CONTROL_REPO'],
    );
    assertNoSecret(diagnostics);
  });

  test('readControlRepoFile: paths that leave the repository are refused without a look', () => {
    const dir = repoCopy();
    for (const rel of ['../secret.yaml', secretFile, 'profiles/../../secret.yaml']) {
      const r = readControlRepoFile(dir, rel);
      assert.ok('diagnostic' in r, rel);
      assert.equal(r.diagnostic.code, 'FILE_OUTSIDE_CONTROL_REPO', rel);
    }
    const ok = readControlRepoFile(dir, 'roles/web.yaml');
    assert.ok('text' in ok && ok.text.startsWith('description:'));
    const missing = readControlRepoFile(dir, 'roles/nope.yaml');
    assert.ok('diagnostic' in missing && missing.missing === true);
  });
});

describe('bytes that are not UTF-8', () => {
  test('a Latin-1 byte in a profile: an error at its line and column', () => {
    const dir = repoCopy();
    writeFileSync(
      join(dir, 'profiles/base.yaml'),
      Buffer.concat([
        Buffer.from('description: Base.\npackages: [chrony]\n# Caf'),
        Buffer.from([0xe9]),
        Buffer.from('\n'),
      ]),
    );
    const { diagnostics } = loadControlRepo(dir);
    assert.deepEqual(show(diagnostics), [
      'profiles/base.yaml:3:6: error FILE_NOT_UTF8: profiles/base.yaml is not UTF-8: byte 0xE9 is not valid here (save the file as UTF-8)',
    ]);
  });

  test('the column counts characters, not bytes, before the bad byte', () => {
    const dir = repoCopy();
    const text = Buffer.concat([Buffer.from('description: Zürich '), Buffer.from([0xff]), Buffer.from('\n')]);
    writeFileSync(join(dir, 'profiles/base.yaml'), text);
    const r = readControlRepoFile(dir, 'profiles/base.yaml');
    assert.ok('diagnostic' in r);
    assert.deepEqual(r.diagnostic.source?.start, { line: 1, col: 21 });
  });

  test('firstInvalidUtf8 follows RFC 3629', () => {
    const at = (...b: number[]) => firstInvalidUtf8(Uint8Array.from(b));
    assert.equal(at(0x61, 0xc3, 0xa9, 0x62), 4, 'valid two-byte é');
    assert.equal(at(0xf0, 0x9f, 0x98, 0x80), 4, 'valid four-byte emoji');
    assert.equal(at(0x61, 0xc0, 0xaf), 1, 'overlong /');
    assert.equal(at(0xed, 0xa0, 0x80), 0, 'surrogate');
    assert.equal(at(0xf4, 0x90, 0x80, 0x80), 0, 'above U+10FFFF');
    assert.equal(at(0x61, 0xe2, 0x82), 1, 'cut short at the end');
    assert.equal(at(0x80), 0, 'lone continuation byte');
  });
});

describe('bounded work', () => {
  test('a 1 MB profile loads in linear time', () => {
    const dir = repoCopy();
    const lines = ['description: Big.', 'parameters:'];
    for (let i = 0; i < 21_000; i++) lines.push(`  p${i}:`, '    type: Integer[1, 64]', '    default: 4');
    const text = `${lines.join('\n')}\n`;
    assert.ok(text.length > 1_000_000, `${text.length} bytes`);
    writeFileSync(join(dir, 'profiles/big.yaml'), text);
    // CPU time of this process: other work on a shared machine does not count against it
    const before = process.cpuUsage();
    const { value, diagnostics } = loadControlRepo(dir);
    const used = process.cpuUsage(before);
    const seconds = (used.user + used.system) / 1e6;
    assert.deepEqual(show(diagnostics), []);
    assert.equal(value.profiles.get('big')?.parameters.size, 21_000);
    // a bound, not a benchmark: quadratic position and key lookups took some 25 s here
    assert.ok(seconds < 5, `${seconds.toFixed(1)} s of CPU`);
  });

  test('an alias bomb: one diagnostic at the alias that goes too far, quickly', () => {
    const dir = repoCopy();
    const lines = [
      'description: Bomb.',
      'doc:',
      '  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]',
    ];
    for (let i = 1; i < 10; i++)
      lines.push(
        `  a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    writeFileSync(join(dir, 'profiles/bomb.yaml'), `${lines.join('\n')}\n`);
    const before = process.cpuUsage();
    const { diagnostics } = loadControlRepo(dir);
    const used = process.cpuUsage(before);
    assert.ok((used.user + used.system) / 1e6 < 2, 'bounded');
    assert.deepEqual(show(diagnostics), [
      'profiles/bomb.yaml:7:47: error YAML_SYNTAX: aliases expand this file by more than 100000 values (an alias bomb?): write the values out or repeat less',
    ]);
  });

  test('an alias inside the node it names: a diagnostic, not an endless value', () => {
    const dir = repoCopy();
    writeFileSync(join(dir, 'profiles/base.yaml'), 'description: Base.\nservices: &s [chronyd, *s]\n');
    const { diagnostics } = loadControlRepo(dir);
    assert.deepEqual(show(diagnostics), [
      'profiles/base.yaml:2:24: error YAML_SYNTAX: alias *s is inside the node it names: its value would never end',
    ]);
  });

  test('aliases used as meant still load', () => {
    const dir = repoCopy();
    writeFileSync(
      join(dir, 'profiles/base.yaml'),
      'description: Base.\npackages: &p [chrony, rsyslog]\nservices: *p\n',
    );
    const { value, diagnostics } = loadControlRepo(dir);
    assert.deepEqual(show(diagnostics), []);
    assert.deepEqual(value.profiles.get('base')?.services, ['chrony', 'rsyslog']);
  });
});
