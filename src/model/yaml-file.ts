// One YAML file of the control repository, parsed with node positions so that every diagnostic
// can point at the key or value it is about.
import { isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, Pair } from 'yaml';
import { error } from '../diag/index.js';
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
 * Parses `text` as YAML 1.1 with unique keys. Syntax errors come back as diagnostics at their
 * position; the file is returned only when it parsed cleanly (a half-parsed file would produce
 * follow-up errors that mislead more than they help).
 */
export function parseYamlFile(file: string, text: string): { yaml?: YamlFile; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: true, lineCounter, prettyErrors: false });
  const diagnostics: Diagnostic[] = [];
  // the first syntax error only: the parser's later ones are mostly echoes of it
  const e = doc.errors[0];
  if (e) {
    const code = e.code === 'DUPLICATE_KEY' ? 'YAML_DUPLICATE_KEY' : 'YAML_SYNTAX';
    const summary =
      e.code === 'DUPLICATE_KEY'
        ? `key '${/^[^:\n]*/.exec(text.slice(e.pos[0]))?.[0].trim() ?? ''}' appears twice in one mapping`
        : firstLine(e.message);
    // an error at indentation points at the token after it, where the user must look
    let start = e.pos[0];
    while (text[start] === ' ') start++;
    if (text[start] === '\n' || start >= text.length) start = e.pos[0];
    diagnostics.push(
      error(code, summary, { source: rangeOf(file, lineCounter, start, Math.max(e.pos[1], start)) }),
    );
  }
  if (diagnostics.length > 0) return { diagnostics };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    // e.g. an alias bomb or an unresolvable alias: a user mistake, not a bug
    const message = err instanceof Error ? err.message : String(err);
    return { diagnostics: [error('YAML_SYNTAX', firstLine(message), { source: pos1(file) })] };
  }
  return { yaml: { file, doc, lineCounter, value }, diagnostics };
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
      for (const item of node.items) {
        const key: unknown = isScalar(item.key) ? item.key.value : item.key;
        if (String(key) === String(step)) {
          nextPair = item;
          next = (item.value ?? undefined) as Node | undefined;
          break;
        }
      }
      if (!nextPair) break;
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
