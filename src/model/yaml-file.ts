// One YAML file of the control repository, parsed with node positions so that every diagnostic
// can point at the key or value it is about.
import {
  isAlias,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
} from 'yaml';
import type { Alias, Document, Node, Pair, YAMLMap } from 'yaml';
import { error } from '../diag/index.js';
import {
  copyIntegerKeys,
  floatValue,
  markIntegerKey,
  PuppetFloat,
  rubyFloatText,
  scanScalar,
  YamlLoadError,
} from '../puppet-types/index.js';
import type { Diagnostic, SourceRange } from '../diag/index.js';

export interface YamlFile {
  /** Path relative to the control repository, with `/` separators. */
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The document as plain JS (YAML 1.1, as Puppet's reader sees it). */
  value: unknown;
}

/** A path into a YAML document: map keys and sequence indexes, as zod issue paths have them. */
export type NodePath = readonly PropertyKey[];

/**
 * How many nodes aliases may add to a file when expanded. Aliases share their anchor's value in
 * memory, but everything that walks the value (schema checks, Hiera, JSON) sees each repetition:
 * ten anchors of ten aliases each are 10^10 nodes from a few hundred bytes (an alias bomb).
 */
export const MAX_ALIAS_EXPANSION = 100_000;

/**
 * Parses `text` as YAML 1.1 with unique keys. Syntax errors come back as diagnostics at their
 * position; the file is returned only when it parsed cleanly (a half-parsed file would produce
 * follow-up errors that mislead more than they help). Work is linear in the size of the text:
 * aliases that would expand the value by more than {@link MAX_ALIAS_EXPANSION} nodes, or into
 * themselves, are an error at the alias.
 */
export function parseYamlFile(file: string, text: string): { yaml?: YamlFile; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  // duplicate keys are found by scanDocument: the parser's own check compares every key with
  // every earlier key of its mapping, seconds for a mapping of some 10,000 keys
  // failsafe: every scalar is typed by Psych's rules (psychValue), as Hiera data is
  const doc = parseDocument(text, {
    version: '1.1',
    schema: 'failsafe',
    uniqueKeys: false,
    lineCounter,
    prettyErrors: false,
  });
  const scan = scanDocument(doc);
  // the first error only: the parser's later ones are mostly echoes of it
  const e = doc.errors[0];
  const duplicate = scan.duplicateKey?.range?.[0];
  if (duplicate !== undefined && (!e || duplicate < e.pos[0])) {
    const key = /^[^:\n]*/.exec(text.slice(duplicate, duplicate + 1024))?.[0].trim() ?? '';
    const source = rangeOf(file, lineCounter, duplicate, duplicate + 1);
    return {
      diagnostics: [error('YAML_DUPLICATE_KEY', `key '${key}' appears twice in one mapping`, { source })],
    };
  }
  if (e) {
    // an error at indentation points at the token after it, where the user must look
    let start = e.pos[0];
    while (text[start] === ' ') start++;
    if (text[start] === '\n' || start >= text.length) start = e.pos[0];
    const source = rangeOf(file, lineCounter, start, Math.max(e.pos[1], start));
    return { diagnostics: [error('YAML_SYNTAX', firstLine(e.message), { source })] };
  }
  if (scan.aliasProblem) {
    const { alias, cycle } = scan.aliasProblem;
    const summary = cycle
      ? `alias *${alias.source} is inside the node it names: its value would never end`
      : `aliases expand this file by more than ${MAX_ALIAS_EXPANSION} values (an alias bomb?): write the values out or repeat less`;
    const [start, end] = alias.range ?? [0, 0];
    return {
      diagnostics: [error('YAML_SYNTAX', summary, { source: rangeOf(file, lineCounter, start, end) })],
    };
  }
  let value: unknown;
  try {
    // the expansion is bounded above; yaml's own count would stop some files that are not bombs
    value = psychValue(doc, doc.contents);
  } catch (err) {
    if (err instanceof YamlLoadError) {
      const source = rangeOf(file, lineCounter, err.offset, err.offset + 1);
      return { diagnostics: [error('YAML_SYNTAX', yamlLoadSummary(err.message), { source })] };
    }
    // e.g. an unresolvable alias: a user mistake, not a bug
    const message = err instanceof Error ? err.message : String(err);
    return { diagnostics: [error('YAML_SYNTAX', firstLine(message), { source: pos1(file) })] };
  }
  return { yaml: { file, doc, lineCounter, value }, diagnostics: [] };
}

function yamlLoadSummary(message: string): string {
  if (/: (?:Date|Time)$/.test(message))
    return 'an unquoted date or time is refused (as Puppet refuses it in Hiera data): quote it';
  return message;
}

/**
 * The document as plain data, every scalar typed as Psych types it (docs/control-repository.md):
 * the same reading as Hiera data. Whole-number Floats and Integer hash keys keep their types.
 */
function psychValue(doc: Document.Parsed, node: unknown): unknown {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return psychValue(doc, node.resolve(doc));
  if (isScalar(node)) {
    const s = scanScalar(node as never);
    switch (s.t) {
      case 'null':
        return null;
      case 'float':
        return floatValue(s.v);
      case 'sym':
        throw new YamlLoadError(`:${s.v} is a Ruby Symbol, not a value: quote it`, node.range?.[0] ?? 0);
      case 'bool':
      case 'int':
      case 'str':
        return s.v;
    }
  }
  if (isSeq(node)) return node.items.map((item) => psychValue(doc, item));
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = psychValue(doc, pair.key);
      const value = psychValue(doc, pair.value);
      if (key === '<<' && isScalar(pair.key) && pair.key.type === 'PLAIN') {
        for (const h of Array.isArray(value) ? [...(value as unknown[])].reverse() : [value]) {
          if (typeof h === 'object' && h !== null && !Array.isArray(h)) {
            Object.assign(out, h);
            copyIntegerKeys(h, out);
          }
        }
        continue;
      }
      const text =
        key instanceof PuppetFloat
          ? rubyFloatText(key.value)
          : typeof key === 'number' && !Number.isInteger(key)
            ? rubyFloatText(key)
            : String(key);
      out[text] = value;
      if (typeof key === 'number' && Number.isInteger(key)) markIntegerKey(out, text);
    }
    return out;
  }
  return null;
}

interface Scan {
  /** The first key (in document order) that repeats an earlier key of its mapping. */
  duplicateKey?: Node;
  aliasProblem?: { alias: Alias; cycle: boolean };
}

/**
 * One walk over the document, in document order: duplicate keys (scalar keys of equal value,
 * as the parser's own `uniqueKeys` compares them) and the size of every alias's expansion.
 * An alias names the last node before it with that anchor, as in the parser.
 */
function scanDocument(doc: Document.Parsed): Scan {
  const scan: Scan = {};
  const anchors = new Map<string, Node>();
  const sizes = new Map<Node, number>();
  const open = new Set<Node>();
  const over = MAX_ALIAS_EXPANSION + 1;
  let expanded = 0;
  const walk = (node: unknown): number => {
    if (!isNode(node)) return 0;
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) return 1; // toJS names the missing anchor
      if (open.has(target)) {
        scan.aliasProblem ??= { alias: node, cycle: true };
        return over;
      }
      const size = sizes.get(target) ?? 1;
      expanded = Math.min(over, expanded + size);
      if (expanded >= over) scan.aliasProblem ??= { alias: node, cycle: false };
      return size;
    }
    if (node.anchor) {
      anchors.set(node.anchor, node);
      open.add(node);
    }
    let size = 1;
    if (isMap(node)) {
      const keys = new Set<unknown>();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          if (keys.has(pair.key.value)) scan.duplicateKey ??= pair.key;
          keys.add(pair.key.value);
        }
        size += walk(pair.key) + walk(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) size += walk(item);
    }
    size = Math.min(size, over);
    open.delete(node);
    sizes.set(node, size);
    return size;
  };
  walk(doc.contents);
  return scan;
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  // yaml appends " at line L, column C" itself; our prefix already says where
  return line.replace(/ at line \d+, column \d+:?$/, '');
}

export function pos1(file: string): SourceRange {
  return { file, start: { line: 1, col: 1 } };
}

function rangeOf(file: string, lc: LineCounter, start: number, end?: number): SourceRange {
  const s = lc.linePos(start);
  const range: SourceRange = { file, start: { line: s.line, col: s.col, offset: start } };
  if (end !== undefined && end > start) {
    const e = lc.linePos(end);
    range.end = { line: e.line, col: e.col, offset: end };
  }
  return range;
}

/** Position `offset` characters into the node's source text (for errors inside a scalar). */
export function positionInNode(y: YamlFile, node: Node, offset: number, length = 1): SourceRange {
  const base = node.range?.[0] ?? 0;
  let inner = offset;
  // quoted scalars start one character before their value
  if (isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE')) inner += 1;
  return rangeOf(y.file, y.lineCounter, base + inner, base + inner + Math.max(length, 1));
}

export interface Located {
  /** The node at the path, when the path exists in the document. */
  node?: Node;
  /** The pair whose value is the node, when the last step is a map key. */
  pair?: Pair;
  /** How many steps of the path exist in the document. */
  depth: number;
  /** The deepest node that exists along the path (the document root at worst). */
  deepest?: Node;
  deepestPair?: Pair;
}

/**
 * A mapping's pairs by key (as text; the first of equal keys), built once per mapping: looking
 * up every parameter of a profile by scanning its mapping would be quadratic in its size.
 */
const keyIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();

function keyIndex(map: YAMLMap): Map<string, Pair> {
  let index = keyIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const item of map.items as Pair[]) {
      const key: unknown = isScalar(item.key) ? item.key.value : item.key;
      const text = String(key);
      if (!index.has(text)) index.set(text, item);
    }
    keyIndexes.set(map, index);
  }
  return index;
}

/** Walks `path` through the document's nodes as far as it exists. */
export function locate(y: YamlFile, path: NodePath): Located {
  let node = (y.doc.contents ?? undefined) as Node | undefined;
  let pair: Pair | undefined;
  let depth = 0;
  for (const step of path) {
    if (!node) break;
    let next: Node | undefined;
    let nextPair: Pair | undefined;
    if (isMap(node)) {
      nextPair = keyIndex(node).get(String(step));
      if (!nextPair) break;
      next = (nextPair.value ?? undefined) as Node | undefined;
    } else if (isSeq(node) && typeof step === 'number') {
      next = node.items[step] as Node | undefined;
      if (!next) break;
    } else {
      break;
    }
    depth++;
    pair = nextPair;
    node = next;
    // a key with no value (`key:`): the path exists up to here, the value is null
    if (!next) return { pair, depth, deepestPair: pair };
  }
  if (depth === path.length) return { node, pair, depth, deepest: node, deepestPair: pair };
  return { depth, deepest: node, deepestPair: pair };
}

/** The range of the value at `path` (or of its key when the value is empty), else the deepest part that exists. */
export function valueRange(y: YamlFile, path: NodePath): SourceRange {
  const at = locate(y, path);
  let node = at.node ?? (at.depth === path.length ? (at.pair?.key as Node | undefined) : undefined);
  // a block mapping or list starts at its first entry, lines below its key: point at the key
  if (node && isCollection(node) && !node.flow && at.pair?.key) node = at.pair.key as Node;
  if (node?.range) return rangeOf(y.file, y.lineCounter, node.range[0], node.range[1]);
  return ownerRange(y, at);
}

/** The range of the key at `path` (its last step), else the deepest part that exists. */
export function keyRange(y: YamlFile, path: NodePath): SourceRange {
  const at = locate(y, path);
  if (at.depth === path.length && isPair(at.pair)) {
    const key = at.pair.key as Node | undefined;
    if (key?.range) return rangeOf(y.file, y.lineCounter, key.range[0], key.range[1]);
  }
  if (at.depth === path.length && at.node?.range) {
    return rangeOf(y.file, y.lineCounter, at.node.range[0], at.node.range[1]);
  }
  return ownerRange(y, at);
}

/**
 * Where to point when the path does not exist (a missing field): the key of the deepest mapping
 * that exists, so "missing field 'flavor'" points at the VM's name.
 */
function ownerRange(y: YamlFile, at: Located): SourceRange {
  const key = at.deepestPair?.key as Node | undefined;
  if (key?.range) return rangeOf(y.file, y.lineCounter, key.range[0], key.range[1]);
  const n = at.deepest;
  if (n?.range) return rangeOf(y.file, y.lineCounter, n.range[0], n.range[1]);
  return pos1(y.file);
}
