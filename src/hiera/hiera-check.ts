// Static checks of every data file a hierarchy can reach, whatever the facts: each `%{...}` in a
// path becomes a wildcard. Used by `aare validate`; lookups do not need it.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { error, warning, type Diagnostic } from '../diag/index.js';
import { KIND_CODES, type HieraEngine } from './hiera-lookup.js';
import { splitKey } from './hiera-keys.js';

const METHOD = /^(\w+)\((?:"([^"]+)"|'([^']+)')\)$/;
const KNOWN_METHODS = new Set(['lookup', 'hiera', 'alias', 'literal', 'scope']);

/** The candidate files of a path template: `%{...}` matches anything within one directory. */
function candidates(pattern: string): string[] {
  const segs = pattern.split('/').filter((s) => s !== '');
  const out: string[] = [];
  const walk = (dir: string, i: number): void => {
    if (i === segs.length) {
      try {
        if (statSync(dir).isFile()) out.push(dir);
      } catch {
        /* not there */
      }
      return;
    }
    const seg = segs[i]!;
    if (seg === '**') {
      walk(dir, i + 1);
      for (const e of list(dir)) if (e.isDirectory() && !e.name.startsWith('.')) walk(join(dir, e.name), i);
      return;
    }
    if (!/%\{[^}]*\}|[*?[{]/.test(seg)) {
      walk(join(dir, seg), i + 1);
      return;
    }
    const re = new RegExp(
      '^' +
        seg
          .split(/(%\{[^}]*\}|\*|\?)/)
          .map((part) =>
            part.startsWith('%{') || part === '*'
              ? '.*'
              : part === '?'
                ? '.'
                : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
          )
          .join('') +
        '$',
    );
    for (const e of list(dir)) {
      if (e.name.startsWith('.') || !re.test(e.name)) continue;
      walk(join(dir, e.name), i + 1);
    }
  };
  walk(pattern.startsWith('/') ? '/' : '.', 0);
  return out;
}

function list(dir: string): import('node:fs').Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/**
 * For `aare validate`: every data file reachable by the hierarchy parses, is a hash, and uses
 * only known interpolation methods (an `alias()` alone in its string). Files are named relative
 * to hiera.yaml's directory.
 */
export function checkDataFiles(engine: HieraEngine): Diagnostic[] {
  const config = engine.config;
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const level of config.levels) {
    const templates = level.locationKind === 'mapped_paths' ? [level.locations[2]!] : level.locations;
    if (level.locationKind === 'uri' || level.locationKind === 'uris') continue;
    for (const template of templates) {
      for (const file of candidates(join(level.datadir, template))) {
        if (seen.has(file)) continue;
        seen.add(file);
        const shown = relative(config.root, file);
        if (level.functionError) {
          diagnostics.push(
            error('HIERA_CONFIG', `${level.functionError} (level '${level.name}')`, {
              source: { file: config.file, start: level.source },
            }),
          );
          continue;
        }
        const df = engine.dataFile(file, level.dataHash);
        if (df.failure) {
          diagnostics.push(
            error(KIND_CODES[df.failure.kind], df.failure.message.replace(file, shown), {
              source: {
                file: shown,
                start:
                  'pos' in df.failure && df.failure.pos ? (df.failure.pos as never) : { line: 1, col: 1 },
              },
            }),
          );
          continue;
        }
        if (df.warning) {
          diagnostics.push(
            error('HIERA_DATA', 'the file does not contain a hash (Puppet skips it with a warning)', {
              source: { file: shown, start: { line: 1, col: 1 } },
            }),
          );
          continue;
        }
        for (const d of df.duplicates) {
          diagnostics.push(
            warning('YAML_DUPLICATE_KEY', `key '${d.key}' is given twice; the last one wins`, {
              source: { file: shown, start: d.pos },
            }),
          );
        }
        for (const [key, why] of df.invalid) {
          diagnostics.push(
            error('HIERA_DATA', `the value of '${key}' cannot be looked up: it contains ${why}`, {
              source: { file: shown, start: df.keyPositions.get(key) ?? { line: 1, col: 1 } },
            }),
          );
        }
        if (level.dataHash === 'yaml_data') checkInterpolations(engine, file, shown, diagnostics);
      }
    }
  }
  return diagnostics;
}

function checkInterpolations(
  engine: HieraEngine,
  file: string,
  shown: string,
  diagnostics: Diagnostic[],
): void {
  const read = engine.readText(file);
  if (!('text' in read)) return; // dataFile reported it
  const text = read.text;
  if (!text.includes('%{')) return;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: false, lineCounter });
  const visit = (node: unknown): void => {
    if (isPair(node)) {
      visit(node.key);
      visit(node.value);
    } else if (isMap(node) || isSeq(node)) {
      for (const item of node.items) visit(item);
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('%{')) {
      const subject = node.value;
      for (const m of subject.matchAll(/%\{([^}]*)\}/g)) {
        const p = lineCounter.linePos((node as YamlNode).range?.[0] ?? 0);
        const at = { file: shown, start: { line: p.line, col: p.col } };
        const expr = m[1]!.trim();
        const method = METHOD.exec(expr);
        if (method) {
          if (!KNOWN_METHODS.has(method[1]!)) {
            diagnostics.push(
              error(
                'HIERA_INTERPOLATION',
                `unknown interpolation function '${method[1]}' (known: lookup, hiera, alias, literal, scope)`,
                { source: at },
              ),
            );
          } else if (method[1] === 'alias' && subject !== m[0]) {
            diagnostics.push(
              error('HIERA_INTERPOLATION', `'alias' interpolation must be the entire string: '${subject}'`, {
                source: at,
              }),
            );
          }
        } else if (/^\w+\s*\(/.test(expr)) {
          diagnostics.push(
            error('HIERA_INTERPOLATION', `syntax error in interpolation '%{${m[1]}}'`, { source: at }),
          );
        } else if (!['', '::', '""', "''", '"::"', "'::'"].includes(expr) && !splitKey(expr)) {
          diagnostics.push(
            error('HIERA_INTERPOLATION', `syntax error in interpolation '%{${m[1]}}'`, { source: at }),
          );
        }
      }
    }
  };
  visit(doc.contents);
}
