// A small YAML emitter for plain data (what JSON can hold), for the documents compile writes
// for every VM: cloud-init user-data and the Puppet ENC. The `yaml` package's stringify costs
// about 0.5 ms for a user-data document; at 10,000 VMs that alone would miss the speed target,
// so this emitter writes block style directly. It quotes every string that a YAML 1.1 or 1.2
// reader (cloud-init's PyYAML, Puppet's Psych) could read as anything but that string.
// Puppet's data keeps its types (src/puppet-types/puppet-data.ts): a Float is written so that
// both readers read a Float back (`4.0`, `1.0e-05`), and an Integer hash key as an Integer.
import { PuppetFloat, isIntegerKey, rubyFloatText } from '../puppet-types/index.js';

/** Emits `value` as a YAML block document (no `---`, ends with a newline). */
export function emitYaml(value: unknown): string {
  const out: string[] = [];
  if (isBlockCollection(value)) emitBlock(value, 0, out);
  else out.push(scalar(value, 0), '\n');
  return out.join('');
}

type Collection = unknown[] | Record<string, unknown>;

function isBlockCollection(value: unknown): value is Collection {
  if (Array.isArray(value)) return value.length > 0;
  return isPlainObject(value) && Object.keys(value).length > 0;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof PuppetFloat)
  );
}

function emitBlock(value: Collection, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isBlockCollection(item)) {
        if (Array.isArray(item) && item.every(isFlowScalar)) {
          // a short list inside a list (runcmd's argv) reads best as `- [a, b]`
          out.push(pad, '- [', item.map((x) => scalar(x, 0, true)).join(', '), ']\n');
        } else if (Array.isArray(item)) {
          out.push(pad, '-\n');
          emitBlock(item, indent + 2, out);
        } else {
          // `- key: value` with the rest of the mapping aligned under the first key
          out.push(pad, '- ');
          emitMapping(item, indent + 2, out, true);
        }
      } else {
        out.push(pad, '- ', scalar(item, indent + 2), '\n');
      }
    }
  } else {
    emitMapping(value, indent, out, false);
  }
}

function emitMapping(value: Record<string, unknown>, indent: number, out: string[], inline: boolean): void {
  const pad = ' '.repeat(indent);
  let first = true;
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    if (!(first && inline)) out.push(pad);
    first = false;
    out.push(isIntegerKey(value, key) && /^-?\d+$/.test(key) ? key : stringScalar(key, indent, true), ':');
    if (isBlockCollection(item)) {
      out.push('\n');
      emitBlock(item, Array.isArray(item) ? indent : indent + 2, out);
    } else {
      out.push(' ', scalar(item, indent + 2), '\n');
    }
  }
  if (first && inline) out.push('{}\n');
}

function isFlowScalar(value: unknown): boolean {
  return (
    value === null || value instanceof PuppetFloat || ['string', 'number', 'boolean'].includes(typeof value)
  );
}

/** `flow`: inside `[...]`, where block scalars cannot stand. */
function scalar(value: unknown, indent: number, flow = false): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return stringScalar(value, indent, flow);
    case 'number':
      return numberScalar(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value instanceof PuppetFloat) return numberScalar(value.value, true);
      return Array.isArray(value) ? '[]' : '{}';
    case 'undefined':
      return 'null';
    case 'bigint':
    case 'function':
    case 'symbol':
      break;
  }
  throw new Error(`cannot write a ${typeof value} as YAML`);
}

/**
 * A Float as Ruby writes it: `1e-7` would read back as a String (Psych and PyYAML want a `.`),
 * `4` as an Integer. `.inf` and `.nan` are YAML's own; PyYAML and Psych both read them.
 */
function numberScalar(n: number, float = !Number.isInteger(n)): string {
  if (Number.isNaN(n)) return '.nan';
  if (!Number.isFinite(n)) return n > 0 ? '.inf' : '-.inf';
  return float ? rubyFloatText(n) : String(n);
}

// Plain scalars that every YAML 1.1/1.2 reader keeps as the same string: start with a letter,
// `/` or `_` (never a digit: numbers, dates and octal modes are quoted), and hold no character that YAML gives meaning to (`:`, `#`, flow
// indicators, quotes, spaces at the ends).
// A `:` is allowed inside a word (`profile::base`, `http://x`), never at its end, where it
// would start a mapping value.
const SAFE_PLAIN =
  /^[A-Za-z_/][A-Za-z0-9_./@%+=~-]*(?::+[A-Za-z0-9_./@%+=~-]+)*(?: [A-Za-z0-9_./@%+=~()-]+(?::+[A-Za-z0-9_./@%+=~()-]+)*)*$/;
// Words YAML 1.1 resolves to booleans or null (numbers cannot pass SAFE_PLAIN).
const RESERVED =
  /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;

// single-line scalars, as emitted: the same package names, paths and users recur in every VM
const singleLine = new Map<string, string>();

function stringScalar(text: string, indent: number, inline: boolean): string {
  const multiLine = text.includes('\n');
  if (!multiLine) {
    let out = singleLine.get(text);
    if (out === undefined) {
      // SAFE_PLAIN never starts with a digit, sign or dot, so no YAML 1.1/1.2 number, date or .inf
      // passes it; only the boolean and null words (at most 5 letters) remain to be quoted
      out = SAFE_PLAIN.test(text) && (text.length > 5 || !RESERVED.test(text)) ? text : JSON.stringify(text);
      if (singleLine.size > 100_000) singleLine.clear();
      singleLine.set(text, out);
    }
    return out;
  }
  if (!inline && multiLine && /\S/.test(text) && isPrintableBlock(text)) return literalBlock(text, indent);
  return JSON.stringify(text);
}

// Literal blocks cannot carry control characters, trailing spaces before a line break (kept,
// but editors strip them) or a tab/space at the start of the first line without an indicator.
// eslint-disable-next-line no-control-regex
const NOT_IN_BLOCK = /[\x00-\x08\x0b-\x1f\x7f\u2028\u2029\ufeff]|[ \t]\n|\r/;

function isPrintableBlock(text: string): boolean {
  return !NOT_IN_BLOCK.test(text);
}

function literalBlock(text: string, indent: number): string {
  const pad = ' '.repeat(indent);
  const indicator = /^\n*[ ]/.test(text) ? '2' : '';
  let chomp: string;
  let body = text;
  if (!text.endsWith('\n')) chomp = '-';
  else if (text.endsWith('\n\n')) chomp = '+';
  else chomp = '';
  if (chomp === '' || chomp === '+') body = text.slice(0, -1);
  // every non-empty line indented; empty lines stay empty
  const indented = (body.startsWith('\n') ? '' : pad) + body.replace(/\n(?=[^\n])/g, '\n' + pad);
  // indentation indicator counts from the parent's indentation, which is indent - 2
  return `|${indicator}${chomp}\n${indented}`;
}
