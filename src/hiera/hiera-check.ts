// Static checks of every data file a hierarchy can reach, whatever the facts: each `%{...}` in a
// path becomes a wildcard. Used by `aare validate`; lookups do not need it.
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { error, warning, type Diagnostic } from '../diag/index.js';
import { KIND_CODES, type HieraEngine } from './hiera-lookup.js';
import { splitKey } from './hiera-keys.js';
import { EyamlError, EyamlKeyring, encBlocks, isEncrypted, type EyamlKeys } from './hiera-eyaml.js';
import type { Hash } from './hiera-values.js';

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
  const keyring = new EyamlKeyring();
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
        if (level.eyaml) {
          const keys = keysForFile(join(level.datadir, template), file, level.eyaml.options, config.root);
          if (keys) checkEncrypted(engine, keyring, keys, file, shown, diagnostics, config.root);
        }
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

const INTERPOLATION = /%\{([^}]*)\}/g;

/**
 * The key files an eyaml level uses for one of its files. Their paths may interpolate facts
 * (per-customer keys); a fact is known here when the level's path template has it too, and the
 * file's path shows its value (`secrets/%{facts.customer}.eyaml` + `secrets/acme.eyaml`).
 * Undefined when a key path needs a fact the file's path does not show.
 */
function keysForFile(template: string, file: string, options: Hash, root: string): EyamlKeys | undefined {
  const names: string[] = [];
  const source = template
    .split(INTERPOLATION)
    .map((part, i) => {
      if (i % 2 === 0) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(part.trim());
      return '([^/]*)';
    })
    .join('');
  const m = new RegExp(`^${source}$`).exec(file);
  const bound = new Map<string, string>();
  if (m) names.forEach((n, i) => bound.set(n, m[i + 1]!));
  let unknown = false;
  const path = (name: string, fallback?: string): string | undefined => {
    const v = options[name];
    if (typeof v !== 'string') return fallback === undefined ? undefined : resolve(root, fallback);
    const text = v.replace(INTERPOLATION, (_, expr: string) => {
      const got = bound.get(expr.trim());
      if (got === undefined) unknown = true;
      return got ?? '';
    });
    return resolve(root, text);
  };
  const gnupghome = path('gpg_gnupghome');
  const keys: EyamlKeys = {
    privateKey: path('pkcs7_private_key', 'keys/private_key.pkcs7.pem')!,
    publicKey: path('pkcs7_public_key', 'keys/public_key.pkcs7.pem')!,
    ...(gnupghome ? { gnupghome } : {}),
  };
  return unknown ? undefined : keys;
}

/** Every ENC[...] block of an eyaml file decrypts with the level's keys; the plaintext is dropped. */
function checkEncrypted(
  engine: HieraEngine,
  keyring: EyamlKeyring,
  keys: EyamlKeys,
  file: string,
  shown: string,
  diagnostics: Diagnostic[],
  root: string,
): void {
  const read = engine.readText(file);
  if (!('text' in read) || !read.text.includes('ENC[')) return;
  const lineCounter = new LineCounter();
  const doc = parseDocument(read.text, { version: '1.1', uniqueKeys: false, lineCounter });
  let keyFailed = false;
  const visit = (node: unknown, key: string): void => {
    if (keyFailed) return;
    if (isPair(node)) {
      visit(node.value, isScalar(node.key) ? String(node.key.value) : key);
    } else if (isMap(node) || isSeq(node)) {
      for (const item of node.items) visit(item, key);
    } else if (isScalar(node) && typeof node.value === 'string' && isEncrypted(node.value)) {
      for (const b of encBlocks(node.value)) {
        try {
          keyring.decrypt(b.scheme, b.cipher, keys);
        } catch (e) {
          if (!(e instanceof EyamlError)) throw e;
          const p = lineCounter.linePos((node as YamlNode).range?.[0] ?? 0);
          const with_ =
            b.scheme === 'GPG'
              ? `gpg_gnupghome ${keys.gnupghome ? relative(root, keys.gnupghome) : "(gpg's default)"}`
              : `${relative(root, keys.privateKey!)}`;
          diagnostics.push(
            error(
              e.kind === 'tool' ? 'TOOL_MISSING' : 'HIERA_DECRYPT',
              `the ENC[${b.scheme},...] value of '${key}' cannot be decrypted with ${with_}: ${e.message}`,
              { source: { file: shown, start: { line: p.line, col: p.col } } },
            ),
          );
          // a key that cannot be read fails every block alike: say it once per file
          if (e.kind !== 'block') keyFailed = true;
          return;
        }
      }
    }
  };
  visit(doc.contents, '');
}
