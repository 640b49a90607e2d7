/**
 * Puppet's data type language for profile parameters: parse `Optional[Array[String[1], 1]]`,
 * print it as Puppet does, and check plain YAML/JSON values against it with Puppet 7's semantics
 * and Puppet's own wording ("expects an Integer[1, 64] value, got Integer[70, 70]").
 *
 * Pure and fast: no I/O, no knowledge of control repositories (type aliases come in as a map),
 * parse results cached by text, each type compiled once into a checker that allocates nothing
 * unless a value fails.
 */
import type { PType } from './type-ast.js';
import { typeMismatches } from './type-mismatch.js';
import { NO_ALIASES } from './type-instance.js';

export type { PType, PTypeKind, StructEntry, PatternSource } from './type-ast.js';
export { parseType } from './type-parser.js';
export type { TypeSyntaxError, ParseTypeResult } from './type-parser.js';
export { formatType } from './type-format.js';
export { isInstance } from './type-instance.js';
export { typeMismatches } from './type-mismatch.js';
export { typeAliasNames } from './type-aliases.js';

/**
 * `undefined` when `value` matches `t`; otherwise Puppet's message, e.g.
 * `expects an Integer[1, 64] value, got Integer[70, 70]` or `entry 'port' expects a String value,
 * got Integer`. Several mismatches (a Struct with two bad entries) come one per line.
 * `value` is plain data: null/undefined are Undef, integral numbers Integer, other numbers Float.
 */
export function checkValue(
  t: PType,
  value: unknown,
  aliases: ReadonlyMap<string, PType> = NO_ALIASES,
): string | undefined {
  const found = typeMismatches(t, value, aliases);
  return found.length === 0 ? undefined : found.join('\n');
}
export {
  PuppetFloat,
  floatValue,
  isFloatValue,
  isIntegerValue,
  numericValue,
  markIntegerKey,
  isIntegerKey,
  copyIntegerKeys,
  hashKeyValue,
  rubyFloatText,
  cloneData,
  dataEqual,
} from './puppet-data.js';
export { scanScalar, YamlLoadError, type Scanned, type ScalarNode } from './psych-scalar.js';
