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

test('AARE_NOW: an ISO time with an offset fixes the clock; without an offset or invalid, a usage error', () => {
  const fixed = config({ AARE_NOW: '2027-03-08T22:30:00+01:00' });
  assert.equal(fixed.now().toISOString(), '2027-03-08T21:30:00.000Z');
  assert.equal(fixed.now().getTime(), fixed.now().getTime());
  assert.equal(config({ AARE_NOW: '2027-03-08T21:30:00Z' }).now().toISOString(), '2027-03-08T21:30:00.000Z');
  // unset or empty: the real clock, so two readings may differ but are near each other
  const real = config({ AARE_NOW: '' }).now().getTime();
  assert.ok(Math.abs(real - Date.now()) < 60_000);
  for (const bad of ['2027-03-08T22:30:00', '2027-02-30T00:00:00+01:00', 'tomorrow']) {
    assert.throws(
      () => config({ AARE_NOW: bad }),
      (err: unknown) =>
        err instanceof DiagnosticsError &&
        err.diagnostics[0]?.code === 'USAGE' &&
        err.diagnostics[0].field === 'AARE_NOW',
      bad,
    );
  }
});
