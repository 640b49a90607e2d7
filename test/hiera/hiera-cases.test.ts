// The project's own Hiera cases (test/hiera/cases/, expectations recorded from the real
// `puppet lookup` 7.23 by make-cases.py + generate-expectations.py), run through the engine in
// memory. When ../shared/hiera-conformance is present, its corpus runs here in memory too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadHiera, puppetLookupVariables, type MergeOption } from '../../src/hiera/index.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const ownCases = join(repoRoot, 'test/hiera/cases');
const sharedCases = resolve(repoRoot, '../shared/hiera-conformance/cases');

interface CaseFile {
  description: string;
  key: string;
  merge?: MergeOption;
  default?: unknown;
  expect: unknown;
}

const isErrorExpect = (e: unknown): e is { error: string } =>
  typeof e === 'object' && e !== null && !Array.isArray(e) && Object.keys(e).length === 1 && 'error' in e;

/** The runner's equality: arrays ordered, object keys unordered, numbers by value. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a))
    return a.length === (b as unknown[]).length && a.every((x, i) => jsonEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => Object.hasOwn(b, k) && jsonEqual((a as never)[k], (b as never)[k]))
  );
}

function runCase(dir: string): void {
  const c = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseFile;
  const facts = JSON.parse(readFileSync(join(dir, 'facts.json'), 'utf8')) as Record<string, unknown>;
  const { value: hiera } = loadHiera(join(dir, 'hiera.yaml'));
  const r = hiera.lookup(c.key, {
    facts,
    variables: puppetLookupVariables,
    ...(c.merge !== undefined ? { merge: c.merge } : {}),
    ...(c.default !== undefined ? { default: c.default } : {}),
  });
  if (isErrorExpect(c.expect)) {
    assert.ok(
      !('found' in r && r.found),
      `${c.description}: expected ${c.expect.error}, got ${JSON.stringify(r)}`,
    );
    if ('error' in r) assert.ok(r.error.summary.length > 0);
    return;
  }
  assert.ok('found' in r && r.found, `${c.description}: expected a value, got ${JSON.stringify(r)}`);
  assert.ok(
    jsonEqual(r.value, c.expect),
    `${c.description}: expected ${JSON.stringify(c.expect)}, got ${JSON.stringify(r.value)}`,
  );
}

test('own Hiera cases (expectations from puppet lookup 7.23)', async (t) => {
  const names = readdirSync(ownCases).filter((n) => existsSync(join(ownCases, n, 'case.json')));
  assert.ok(names.length >= 70, 'the own cases are there');
  for (const name of names.sort()) await t.test(name, () => runCase(join(ownCases, name)));
});

test(
  'shared conformance corpus, in memory',
  { skip: existsSync(sharedCases) ? false : `${sharedCases} is absent (CI has ../shared beside the clone)` },
  async (t) => {
    for (const name of readdirSync(sharedCases).sort()) {
      if (!existsSync(join(sharedCases, name, 'case.json'))) continue;
      await t.test(name, () => runCase(join(sharedCases, name)));
    }
  },
);
