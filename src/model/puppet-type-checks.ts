// Puppet types written in the control repository (profile parameters, aare.yaml typeAliases):
// parsed where they are written, and their alias names checked against aare.yaml, with errors
// pointing into the string.
import { parseType, typeAliasNames } from '../puppet-types/index.js';
import type { PType } from '../puppet-types/index.js';
import { isScalar } from 'yaml';
import type { Node } from 'yaml';
import { didYouMean } from './check-findings.js';
import type { Findings } from './check-findings.js';
import { locate, positionInNode, valueRange } from './yaml-file.js';
import type { NodePath, YamlFile } from './yaml-file.js';

/** Alias maps of repositories whose aare.yaml did not load: nothing is checked against them. */
const unknownAliases = new WeakSet<ReadonlyMap<string, PType>>();

/** Marks the alias map of a load whose aare.yaml did not load: its aliases are unknown. */
export function markAliasesUnknown(aliases: ReadonlyMap<string, PType>): void {
  unknownAliases.add(aliases);
}

/** Whether `aliases` belongs to a load whose aare.yaml did not load. */
export function aliasesUnknown(aliases: ReadonlyMap<string, PType>): boolean {
  return unknownAliases.has(aliases);
}

/** Parses the Puppet type written at `path`; syntax errors point into the string. */
export function parseTypeAt(f: Findings, y: YamlFile, path: NodePath): PType | undefined {
  const node = locate(y, path).node;
  const text = isScalar(node) ? String(node.value) : '';
  const r = parseType(text);
  if (r.errors.length > 0 || !r.type) {
    for (const e of r.errors.slice(0, 1)) {
      const source = node ? positionInNode(y, node, e.offset, e.length) : valueRange(y, path);
      f.at('TYPE_SYNTAX', `type '${text}': ${e.message}`, source);
    }
    if (r.errors.length === 0) f.at('TYPE_SYNTAX', `type '${text}' does not parse`, valueRange(y, path));
    return undefined;
  }
  return r.type;
}

/** Reports every alias `t` names that aare.yaml does not declare; true when all are known. */
export function checkAliasRefs(
  f: Findings,
  y: YamlFile,
  path: NodePath,
  t: PType,
  aliases: ReadonlyMap<string, PType>,
): boolean {
  // aare.yaml did not load: its aliases are unknown, and its own diagnostics say why
  if (unknownAliases.has(aliases)) return false;
  let ok = true;
  for (const name of typeAliasNames(t)) {
    if (aliases.has(name)) continue;
    ok = false;
    const node = locate(y, path).node;
    const text = isScalar(node) ? String(node.value) : '';
    const offset = Math.max(0, text.indexOf(name));
    const source = node ? positionInNode(y, node as Node, offset, name.length) : valueRange(y, path);
    f.at(
      'UNKNOWN_REFERENCE',
      `unknown type '${name}'${didYouMean(name, aliases.keys())} (aliases are declared in aare.yaml typeAliases)`,
      source,
    );
  }
  return ok;
}
