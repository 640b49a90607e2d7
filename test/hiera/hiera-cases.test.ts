// The project's own Hiera cases (test/hiera/cases/, expectations recorded from the real
// `puppet lookup` 7.23 by make-cases.py + generate-expectations.py), run through the engine in
// memory. When ../shared/hiera-conformance is present, its corpus runs here in memory too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadHiera, parseHieraYaml, puppetLookupVariables, type MergeOption } from '../../src/hiera/index.js';
import {
  checkValue,
  isIntegerKey,
  parseType,
  PuppetFloat,
  type PType,
} from '../../src/puppet-types/index.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const ownCases = join(repoRoot, 'test/hiera/cases');
const sharedCases = resolve(repoRoot, '../shared/hiera-conformance/cases');

interface CaseFile {
  description: string;
  key: string;
  merge?: MergeOption;
  default?: unknown;
  expect: unknown;
  /** `puppet lookup --render-as yaml`: shows what JSON hides (4.0, Integer hash keys). */
  expect_yaml?: string;
  /** `puppet apply` given the value for a class parameter of this type. */
  type?: { type: string; accepted: boolean; message?: string };
}

const isErrorExpect = (e: unknown): e is { error: string } =>
  typeof e === 'object' && e !== null && !Array.isArray(e) && Object.keys(e).length === 1 && 'error' in e;

/** The runner's equality: arrays ordered, object keys unordered, numbers by value. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a instanceof PuppetFloat) return jsonEqual(a.value, b);
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

/** Equal as Puppet data: Float 4.0 is not Integer 4, Integer key 1 is not String key "1". */
function puppetEqual(a: unknown, b: unknown): boolean {
  if (a instanceof PuppetFloat || b instanceof PuppetFloat)
    return a instanceof PuppetFloat && b instanceof PuppetFloat && a.value === b.value;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a))
    return a.length === (b as unknown[]).length && a.every((x, i) => puppetEqual(x, (b as unknown[])[i]));
  const ka = Object.keys(a);
  return (
    ka.length === Object.keys(b).length &&
    ka.every(
      (k) =>
        Object.hasOwn(b, k) &&
        isIntegerKey(a, k) === isIntegerKey(b, k) &&
        puppetEqual((a as never)[k], (b as never)[k]),
    )
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
  if (c.expect_yaml !== undefined) {
    // Puppet's YAML read back through the Psych reader: types compared, not only values
    const { value: doc } = parseHieraYaml(`v:${c.expect_yaml.replace(/^---/, '').replace(/^/gm, '  ')}`);
    const puppet = (doc as { v: unknown }).v;
    assert.ok(puppetEqual(r.value, puppet), `${c.description}: types differ from puppet lookup's YAML`);
  }
  if (c.type !== undefined) {
    const t = parseType(c.type.type).type as PType;
    const mismatch = checkValue(t, r.value);
    assert.equal(mismatch === undefined, c.type.accepted, `${c.type.type}: ${mismatch ?? 'accepted'}`);
    if (c.type.message !== undefined) assert.equal(mismatch, c.type.message);
  }
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
