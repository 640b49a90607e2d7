import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { controlRepoJsonSchemas, fileKinds } from './index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('one JSON Schema per file kind, strict where the file format is', () => {
  const schemas = controlRepoJsonSchemas();
  assert.deepEqual(Object.keys(schemas).sort(), Object.keys(fileKinds).sort());
  const customer = schemas.customer as { additionalProperties?: boolean; required?: string[] };
  assert.equal(customer.additionalProperties, false, 'unknown fields are flagged while typing');
  assert.deepEqual(customer.required?.sort(), ['contact', 'displayName', 'environments']);
  // fields with defaults are optional for whoever writes the file
  const profile = schemas.profile as { required?: string[] };
  assert.deepEqual(profile.required, ['description']);
});

test('schemas/ (what editors point at) is up to date: regenerate with `aare schema --out schemas`', () => {
  for (const [kind, schema] of Object.entries(controlRepoJsonSchemas())) {
    const committed = JSON.parse(
      readFileSync(join(root, 'schemas', `${kind}.schema.json`), 'utf8'),
    ) as unknown;
    assert.deepEqual(committed, schema, `schemas/${kind}.schema.json is stale`);
  }
});
