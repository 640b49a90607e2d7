// The configuration a command reads from its environment once: a bad value is a usage error
// naming the variable, never a silent default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiagnosticsError } from '../../src/diag/index.js';
import { readAppConfig } from '../../src/app/index.js';

const config = (env: Record<string, string>) => readAppConfig({ controlRepoDir: '.', env });

test('AARE_BUILD_SANDBOX: on by default, off only when it says off', () => {
  assert.equal(config({}).buildSandbox, 'on');
  assert.equal(config({ AARE_BUILD_SANDBOX: '' }).buildSandbox, 'on');
  assert.equal(config({ AARE_BUILD_SANDBOX: 'bwrap' }).buildSandbox, 'on');
  assert.equal(config({ AARE_BUILD_SANDBOX: 'off' }).buildSandbox, 'off');
  assert.throws(
    () => config({ AARE_BUILD_SANDBOX: 'no' }),
    (err: unknown) =>
      err instanceof DiagnosticsError &&
      err.diagnostics[0]?.code === 'USAGE' &&
      err.diagnostics[0].field === 'AARE_BUILD_SANDBOX' &&
      /AARE_BUILD_SANDBOX=no: the only values are 'bwrap' \(the default\) and 'off'/.test(
        err.diagnostics[0].summary,
      ),
  );
});

test('AARE_COMPILE_THREADS: a whole number, else a usage error', () => {
  assert.equal(config({}).compileThreads, undefined);
  assert.equal(config({ AARE_COMPILE_THREADS: '' }).compileThreads, undefined);
  assert.equal(config({ AARE_COMPILE_THREADS: '2' }).compileThreads, 2);
  for (const bad of ['0', 'two', '1.5', '-1']) {
    assert.throws(
      () => config({ AARE_COMPILE_THREADS: bad }),
      (err: unknown) =>
        err instanceof DiagnosticsError &&
        err.diagnostics[0]?.code === 'USAGE' &&
        err.diagnostics[0].field === 'AARE_COMPILE_THREADS',
      bad,
    );
  }
});

test('AARE_UPLOAD_TOKEN: read once, trimmed; empty is unset', () => {
  assert.equal(config({}).uploadToken, undefined);
  assert.equal(config({ AARE_UPLOAD_TOKEN: '' }).uploadToken, undefined);
  assert.equal(config({ AARE_UPLOAD_TOKEN: ' 0123456789abcdef\n' }).uploadToken, '0123456789abcdef');
});
