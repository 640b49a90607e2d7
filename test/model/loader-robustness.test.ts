// Whatever a user writes, loading ends in diagnostics, never in an exception: every file of the
// corpus base repository, truncated at many points and with each value replaced by values of
// other kinds, must load without throwing, and every diagnostic has a position.
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseDocument, visit } from 'yaml';
import type { Node } from 'yaml';
import { loadControlRepo } from '../../src/model/index.js';

const base = fileURLToPath(new URL('broken/base', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'aare-robust-'));
after(() => rmSync(work, { recursive: true, force: true }));

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? yamlFiles(p) : name.endsWith('.yaml') ? [p] : [];
  });
}

const files = yamlFiles(base)
  .map((p) => relative(base, p))
  .filter((f) => !f.startsWith('data/'))
  .sort();

// one copy of the base repository; each load writes the mutated file, then puts the original back
const controlRepoDir = join(work, 'repo');
cpSync(base, controlRepoDir, { recursive: true });

function loadWith(file: string, text: string) {
  const original = readFileSync(join(base, file), 'utf8');
  writeFileSync(join(controlRepoDir, file), text);
  let result: ReturnType<typeof loadControlRepo> | undefined;
  try {
    assert.doesNotThrow(() => {
      result = loadControlRepo(controlRepoDir);
    }, `${file}:\n${text}`);
  } finally {
    writeFileSync(join(controlRepoDir, file), original);
  }
  for (const d of result!.diagnostics) {
    assert.ok(
      d.source && d.source.start.line >= 1 && d.source.start.col >= 1,
      `positioned: ${JSON.stringify(d)}`,
    );
  }
  return result!;
}

describe('the loader never throws', () => {
  for (const file of files) {
    test(`${file}: truncated`, () => {
      const text = readFileSync(join(base, file), 'utf8');
      const step = Math.max(1, Math.floor(text.length / 25));
      for (let end = 0; end < text.length; end += step) loadWith(file, text.slice(0, end));
    });

    test(`${file}: every value replaced by other kinds`, () => {
      const text = readFileSync(join(base, file), 'utf8');
      const count = countValues(text);
      const replacements = ['[a, b]', '{ x: 1 }', '~', '42', 'yes', "''", '-1.5'];
      let broken = 0;
      for (let i = 0; i < count; i++) {
        for (const r of replacements) {
          const { diagnostics } = loadWith(file, replaceValue(text, i, r));
          if (diagnostics.length > 0) broken++;
        }
      }
      // the mutations do reach the checks: most of them are mistakes the loader must name
      assert.ok(broken >= (count * replacements.length) / 2, `${broken} of ${count * replacements.length}`);
    });
  }
});

function countValues(text: string): number {
  let n = 0;
  visit(parseDocument(text), {
    Pair(_, pair) {
      if (pair.value) n++;
    },
  });
  return n;
}

/** Replaces the `index`-th pair value (document order) with the YAML text `replacement`. */
function replaceValue(text: string, index: number, replacement: string): string {
  const doc = parseDocument(text);
  let n = 0;
  let target: Node | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (pair.value && n++ === index) target = pair.value as Node;
    },
  });
  if (!target?.range) return text;
  const [start, end] = target.range;
  const kept = text.slice(start, end).endsWith('\n') ? '\n' : '';
  return text.slice(0, start) + replacement + kept + text.slice(end);
}
