// The layer table of docs/architecture.md and the one eslint enforces (scripts/module-layers.mjs)
// must say the same, and every folder under src/ must have a row: a new module without a rule fails.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
// @ts-expect-error: a plain .mjs module shared with eslint.config.js, no types
import { layers } from '../../scripts/module-layers.mjs';

const root = join(import.meta.dirname, '..', '..');

function documentedLayers(): Map<string, string[] | null> {
  const text = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
  const rows = new Map<string, string[] | null>();
  for (const line of text.split('\n')) {
    const m = /^\| `([a-z-]+)` \| ([^|]+) \|/.exec(line);
    if (!m) continue;
    const allowed = m[2]!.trim();
    rows.set(
      m[1]!,
      allowed === 'any'
        ? null
        : allowed === '—'
          ? []
          : allowed === 'every module above'
            ? [...rows.keys()]
            : allowed.split(',').map((s) => s.trim()),
    );
  }
  return rows;
}

test('docs/architecture.md and the eslint layer rules agree', () => {
  const documented = documentedLayers();
  const enforced = layers as Record<string, string[] | null>;
  assert.deepEqual([...documented.keys()].sort(), Object.keys(enforced).sort());
  for (const [mod, allowed] of documented) {
    const rule = enforced[mod] ?? null;
    assert.deepEqual(
      allowed === null ? null : [...allowed].sort(),
      rule === null ? null : [...rule].sort(),
      mod,
    );
  }
});

test('every module under src/ has a layer', () => {
  const enforced = layers as Record<string, unknown>;
  for (const entry of readdirSync(join(root, 'src'), { withFileTypes: true })) {
    if (entry.isDirectory())
      assert.ok(entry.name in enforced, `src/${entry.name} has no row in the layer table`);
  }
});
