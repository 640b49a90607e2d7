// `aare serve`'s options refused before anything listens: uploads without a usable token, a
// public base URL that is not one, sizes and counts that are not numbers. Exit code 2, one line,
// no stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

test('aare serve refuses unusable upload and URL options', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-serve-options-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'short.token'), 'tooshort\n');
  const serve = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(
      process.execPath,
      [join(root, 'bin/aare.mjs'), 'serve', '--repo', dir, '--port', '0', ...args],
      {
        encoding: 'utf8',
        timeout: 20_000,
        env: { ...process.env, AARE_STATE_DIR: '', AARE_SERVE_URL: '', AARE_UPLOAD_TOKEN: '', ...env },
      },
    );
  const cases: [string[], Record<string, string>, RegExp][] = [
    [['--allow-upload'], {}, /--allow-upload needs a token: --upload-token-file FILE or AARE_UPLOAD_TOKEN/],
    [['--allow-upload'], { AARE_UPLOAD_TOKEN: 'short' }, /at least 16 characters/],
    [['--allow-upload', '--upload-token-file', join(dir, 'short.token')], {}, /at least 16 characters/],
    [
      ['--allow-upload', '--upload-token-file', join(dir, 'missing.token')],
      {},
      /cannot read .*missing\.token \(ENOENT\)/,
    ],
    [['--max-upload-size', '12X'], {}, /--max-upload-size must be a size like 512M or 1G, got '12X'/],
    [['--max-concurrent-uploads', '0'], {}, /--max-concurrent-uploads must be a positive number/],
    [['--url', 'ftp://pkgs.example.test'], {}, /must be http\(s\):\/\/host\[:port\]\[\/path\]/],
    [['--url', 'https://pkgs.example.test/?x=1'], {}, /must be http\(s\):\/\/host/],
    [['--url', 'not a url'], {}, /is not a URL/],
    [['--workers', '2', '--url', 'ftp://pkgs.example.test'], {}, /must be http\(s\)/],
  ];
  for (const [args, env, message] of cases) {
    const r = serve(args, env);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});
