// Plain-data helpers shared by the Hiera engine: how Ruby (and so Puppet) compares, prints and
// copies the values Hiera returns. Values are plain JS: null, boolean, number, string, arrays and
// plain objects. Data coming from files is frozen; everything here copies instead of mutating.

import { isIntegerKey, PuppetFloat, cloneData, rubyFloatText } from '../puppet-types/index.js';
export { markIntegerKey, isIntegerKey, copyIntegerKeys } from '../puppet-types/index.js';

export type Hash = Record<string, unknown>;

export function isHash(v: unknown): v is Hash {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PuppetFloat);
}

export function hasOwn(hash: Hash, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(hash, key);
}

/** Ruby's `==` on data: deep, hash keys unordered; 1 == 1.0 as in Ruby. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof PuppetFloat || b instanceof PuppetFloat) return Number(a) === Number(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ha = a as Hash;
  const hb = b as Hash;
  const ka = Object.keys(ha);
  if (ka.length !== Object.keys(hb).length) return false;
  for (const k of ka) {
    if (!hasOwn(hb, k) || isIntegerKey(ha, k) !== isIntegerKey(hb, k) || !deepEqual(ha[k], hb[k]))
      return false;
  }
  return true;
}

/** Ruby's `Array#|` / `uniq`: first occurrence wins, order kept. */
export function uniqueValues(values: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  const seenScalars = new Set<unknown>();
  for (const v of values) {
    if (v === null || typeof v !== 'object') {
      if (seenScalars.has(v)) continue;
      seenScalars.add(v);
      out.push(v);
    } else if (!out.some((o) => deepEqual(o, v))) {
      out.push(v);
    }
  }
  return out;
}

/** Ruby's `Array#flatten`. */
export function flattenDeep(values: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  const walk = (xs: readonly unknown[]): void => {
    for (const x of xs)
      if (Array.isArray(x)) walk(x);
      else out.push(x);
  };
  walk(values);
  return out;
}

/** A deep copy that keeps Integer-key marks. */
export const deepClone: <T>(value: T) => T = cloneData;

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Ruby's `Float#to_s`: `2000.0`, `0.5`, `1.0e-05`, `1.0e+20`. */
export const rubyFloatToString: (n: number) => string = rubyFloatText;

function numberToRuby(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 1e16 ? String(n) : rubyFloatToString(n);
}

/** Ruby's `String#inspect` for the common cases (double quotes, backslash escapes). */
function rubyStringInspect(s: string): string {
  let out = '"';
  for (const ch of s) {
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\r':
        out += '\\r';
        break;
      default:
        out += ch < ' ' ? `\\x${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}` : ch;
    }
  }
  return out.replace(/#(?=[{$@])/g, '\\#') + '"';
}

/** Ruby's `inspect`, which is what `"#{value}"` gives for arrays and hashes inside a string. */
export function rubyInspect(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return rubyStringInspect(v);
  if (typeof v === 'number') return numberToRuby(v);
  if (v instanceof PuppetFloat) return rubyFloatText(v.value);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(rubyInspect).join(', ')}]`;
  if (isHash(v)) {
    const parts = Object.keys(v).map(
      (k) => `${isIntegerKey(v, k) ? k : rubyStringInspect(k)}=>${rubyInspect(v[k])}`,
    );
    return `{${parts.join(', ')}}`;
  }
  return String(v);
}

/** Ruby's `to_s`: what an interpolation inserts into a string. */
export function rubyToS(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return numberToRuby(v);
  if (v instanceof PuppetFloat) return rubyFloatText(v.value);
  if (typeof v === 'boolean') return String(v);
  return rubyInspect(v);
}

/** Puppet's name for a value's type, as its error messages print it. */
export function puppetTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'Undef';
  if (typeof v === 'string') return 'String';
  if (typeof v === 'boolean') return 'Boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'Float';
  if (v instanceof PuppetFloat) return 'Float';
  if (Array.isArray(v)) return 'Tuple';
  return 'Struct';
}
