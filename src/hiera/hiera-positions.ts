// Where a nested entry of a data file is written. The data reader records only top-level key
// positions (cheap, for every file); a failure that concerns something deeper (a lookup_options
// entry, the value of a key) reads its file again here, only when it is reported.
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import type { TextPos } from './hiera-yaml.js';

/**
 * The position of the node at `path` (map keys, outermost first): of its key when `at` is
 * 'key', of its value when 'value'. Undefined when the text does not parse or has no such entry.
 */
export function positionOfPath(
  text: string,
  path: readonly string[],
  at: 'key' | 'value',
): TextPos | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, {
    version: '1.1',
    schema: 'failsafe',
    uniqueKeys: false,
    lineCounter,
    prettyErrors: false,
    strict: false,
  });
  if (doc.errors.length > 0) return undefined;
  let node: unknown = doc.contents;
  let keyNode: YamlNode | undefined;
  for (const name of path) {
    if (!isMap(node)) return undefined;
    // the last of duplicate keys wins, as in the data reader
    const pair = node.items.findLast((p) => isScalar(p.key) && String(p.key.value) === name);
    if (!pair) return undefined;
    keyNode = pair.key as YamlNode;
    node = pair.value;
  }
  const target = at === 'key' ? keyNode : ((node as YamlNode | null) ?? keyNode);
  const offset = target?.range?.[0];
  if (offset === undefined) return undefined;
  const p = lineCounter.linePos(offset);
  return { line: p.line, col: p.col };
}
