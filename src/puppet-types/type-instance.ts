import { assertNever, type PType, type StructEntry } from './type-ast.js';

export type Aliases = ReadonlyMap<string, PType>;

const NO_ALIASES: Aliases = new Map();

/**
 * The alias expansions in progress, as (name, value) pairs: the same alias met again for the same
 * value means the alias is not productive (`A = Variant[A, String]`), so that path does not match.
 * Recursive aliases that consume the value (`Tree = Array[Variant[String, Tree]]`) are fine.
 */
type Guard = unknown[] | undefined;

/** Whether `value` (plain data from YAML or JSON) is an instance of `t`. Allocates nothing on the way. */
export function isInstance(t: PType, value: unknown, aliases: Aliases = NO_ALIASES): boolean {
  return instance(t, value, aliases, undefined);
}

export function isUndef(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

export function isHash(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Puppet counts characters (code points), not UTF-16 units. */
export function stringLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

function inSize(n: number, min: number | undefined, max: number | undefined): boolean {
  return (min === undefined || n >= min) && (max === undefined || n <= max);
}

function isScalarData(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number';
}

/** Deeper than this is taken for a cycle (YAML anchors can make one: `&a [*a]`), which is not Data. */
const MAX_DATA_DEPTH = 1000;

function isData(v: unknown, depth = 0): boolean {
  if (isUndef(v) || isScalarData(v)) return true;
  if (depth > MAX_DATA_DEPTH) return false;
  if (Array.isArray(v)) {
    for (const x of v) if (!isData(x, depth + 1)) return false;
    return true;
  }
  if (isHash(v)) {
    for (const k in v) if (!isData(v[k], depth + 1)) return false;
    return true;
  }
  return false;
}

export function enumMatches(values: readonly string[], caseInsensitive: boolean, v: string): boolean {
  if (!caseInsensitive) return values.includes(v);
  const lower = v.toLowerCase();
  return values.some((x) => x.toLowerCase() === lower);
}

/** Whether a Struct key may be absent: `Optional['k']`, or a plain key whose value accepts undef. */
export function structKeyOptional(e: StructEntry, aliases: Aliases, guard?: Guard): boolean {
  return e.keyForm === 'Optional' || (e.keyForm === 'plain' && instance(e.value, undefined, aliases, guard));
}

export function tupleSize(t: PType & { kind: 'Tuple' }): { min: number; max: number | undefined } {
  if (t.min === undefined && t.max === undefined) return { min: t.types.length, max: t.types.length };
  return { min: t.min ?? 0, max: t.max };
}

function instance(t: PType, v: unknown, aliases: Aliases, guard: Guard): boolean {
  switch (t.kind) {
    case 'Any':
      return true;
    case 'Scalar':
    case 'ScalarData':
      return isScalarData(v);
    case 'Data':
      return isData(v);
    case 'Default':
      return false;
    case 'Numeric':
      return typeof v === 'number';
    case 'Boolean':
      return typeof v === 'boolean';
    case 'Undef':
      return isUndef(v);
    case 'String':
      if (typeof v !== 'string') return false;
      return t.min === undefined && t.max === undefined ? true : inSize(stringLength(v), t.min, t.max);
    case 'Integer':
      return typeof v === 'number' && Number.isInteger(v) && inSize(v, t.min, t.max);
    case 'Float':
      // YAML's .inf and .nan are Floats, as in Ruby.
      return typeof v === 'number' && !Number.isInteger(v) && inSize(v, t.min, t.max);
    case 'Optional':
      return isUndef(v) || t.type === undefined || instance(t.type, v, aliases, guard);
    case 'NotUndef':
      return !isUndef(v) && (t.type === undefined || instance(t.type, v, aliases, guard));
    case 'Enum':
      return typeof v === 'string' && enumMatches(t.values, t.caseInsensitive, v);
    case 'Pattern':
      if (typeof v !== 'string') return false;
      if (t.patterns.length === 0) return true;
      for (const p of t.patterns) {
        p.regexp.lastIndex = 0;
        if (p.regexp.test(v)) return true;
      }
      return false;
    case 'Array':
      if (!Array.isArray(v) || !inSize(v.length, t.min, t.max)) return false;
      if (t.element) for (const x of v) if (!instance(t.element, x, aliases, guard)) return false;
      return true;
    case 'Hash': {
      if (!isHash(v)) return false;
      if (t.min !== undefined || t.max !== undefined) {
        if (!inSize(Object.keys(v).length, t.min, t.max)) return false;
      }
      if (t.key || t.value) {
        for (const k in v) {
          if (t.key && !instance(t.key, k, aliases, guard)) return false;
          if (t.value && !instance(t.value, v[k], aliases, guard)) return false;
        }
      }
      return true;
    }
    case 'Struct': {
      if (!isHash(v)) return false;
      let matched = 0;
      for (const e of t.entries) {
        if (Object.hasOwn(v, e.name)) {
          matched++;
          if (!instance(e.value, v[e.name], aliases, guard)) return false;
        } else if (!structKeyOptional(e, aliases, guard)) return false;
      }
      // Every key of the hash must be declared.
      if (matched === t.entries.length) {
        let n = 0;
        for (const _ in v) n++;
        return n === matched;
      }
      for (const k in v) if (!t.entries.some((e) => e.name === k)) return false;
      return true;
    }
    case 'Tuple': {
      if (!Array.isArray(v)) return false;
      if (t.types.length === 0 && t.min === undefined && t.max === undefined) return true;
      const { min, max } = tupleSize(t);
      if (!inSize(v.length, min, max)) return false;
      const last = t.types.length - 1;
      for (let i = 0; i < v.length && last >= 0; i++) {
        if (!instance(t.types[Math.min(i, last)] as PType, v[i], aliases, guard)) return false;
      }
      return true;
    }
    case 'Variant':
      for (const m of t.types) if (instance(m, v, aliases, guard)) return true;
      return false;
    case 'Alias': {
      const target = aliases.get(t.name);
      if (!target) return false;
      const g = guard ?? [];
      for (let i = 0; i < g.length; i += 2) {
        if (g[i] === t.name && g[i + 1] === v) return false;
      }
      g.push(t.name, v);
      const ok = instance(target, v, aliases, g);
      g.length -= 2;
      return ok;
    }
    default:
      return assertNever(t);
  }
}
