// Crafted RPM headers are refused by their index, before anything that grows with what they
// claim is allocated: a diagnostic names the limit, quickly, and a real package still passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRpm, DEFAULT_HEADER_LIMITS, readPublicKeys } from '../../src/repo/index.js';
import { craftedRpm, overlappingRpm } from './rpm-crafted.js';
import { buildSignedRpm, noRpmbuild, testKey } from './rpm-fixtures.js';

const cases: { name: string; rpm: () => Buffer; limit: RegExp }[] = [
  {
    name: 'more index entries than rpm allows',
    rpm: () => craftedRpm([], Buffer.alloc(0), 0x7fffffff),
    limit: /has 2147483647 index entries; Aare reads at most 65535/,
  },
  {
    name: 'a store larger than the header limit',
    rpm: () => {
      const b = craftedRpm([], Buffer.alloc(0));
      b.writeUInt32BE(0xfffffff0, b.length - 4); // hsize of the main header
      return b;
    },
    limit: new RegExp(`Aare reads at most ${DEFAULT_HEADER_LIMITS.maxBytes}$`),
  },
  {
    name: 'one entry with more values than allowed',
    rpm: () => craftedRpm([{ tag: 1117, type: 8, offset: 0, count: 50_000_000 }], Buffer.alloc(64)),
    limit: /holds 50000000 values; Aare reads at most 1048576 per entry/,
  },
  {
    name: 'entries that share their data (1 MiB claiming 4 GiB of numbers)',
    rpm: overlappingRpm,
    limit: /its entries claim more data than the 65536 bytes it stores \(entries overlap\)/,
  },
  {
    name: 'more values in all entries than allowed',
    rpm: () => {
      const entries = Array.from({ length: 5 }, (_, i) => ({
        tag: 1000 + i,
        type: 2,
        offset: i * 1e6,
        count: 1e6,
      }));
      return craftedRpm(entries, Buffer.alloc(5e6));
    },
    limit: /holds more than 4194304 values in its entries together/,
  },
  {
    name: 'entries that share a string',
    rpm: () => {
      const store = Buffer.alloc(4096, 0x61);
      store[4095] = 0;
      const entries = Array.from({ length: 1000 }, (_, i) => ({
        tag: 1000 + i,
        type: 6,
        offset: 0,
        count: 1,
      }));
      return craftedRpm(entries, store);
    },
    limit: /its entries claim more data than the 4096 bytes it stores/,
  },
];

test('crafted headers are refused by their index with RPM_LIMIT naming the limit', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-rpm-limits-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const c of cases) {
    const path = join(dir, 'crafted.rpm');
    writeFileSync(path, c.rpm());
    const started = performance.now();
    const r = await checkRpm(path, [], 'upload.rpm');
    const ms = performance.now() - started;
    assert.equal(r.value, undefined, c.name);
    assert.equal(r.diagnostics.length, 1, c.name);
    assert.equal(r.diagnostics[0]!.code, 'RPM_LIMIT', `${c.name}: ${r.diagnostics[0]!.summary}`);
    assert.equal(r.diagnostics[0]!.field, 'upload.rpm');
    assert.match(r.diagnostics[0]!.summary, c.limit, c.name);
    assert.ok(ms < 500, `${c.name} took ${ms.toFixed(0)} ms`);
  }
});

test('an entry overrunning its header is RPM_INVALID, not a limit', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-rpm-limits-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'overrun.rpm');
  writeFileSync(path, craftedRpm([{ tag: 1000, type: 4, offset: 0, count: 100 }], Buffer.alloc(16)));
  const r = await checkRpm(path, [], 'overrun.rpm');
  assert.equal(r.diagnostics[0]?.code, 'RPM_INVALID');
  assert.match(r.diagnostics[0]!.summary, /header entry 1000 overruns its header/);
});

test('a real signed package passes the limits', { skip: noRpmbuild, timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-rpm-limits-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const key = await testKey();
  const path = await buildSignedRpm(dir, { name: 'limits', version: '1.0', requires: ['bash'] }, key);
  const r = await checkRpm(path, await readPublicKeys(key.publicArmored));
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.value?.filename, 'limits-1.0-1.noarch.rpm');
});
