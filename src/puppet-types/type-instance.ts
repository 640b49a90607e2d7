import { hashKeyValue, isFloatValue, PuppetFloat } from './puppet-data.js';
import { assertNever, type PType, type StructEntry } from './type-ast.js';

export type Aliases = ReadonlyMap<string, PType>;

export const NO_ALIASES: Aliases = new Map();

type Checker = (v: unknown) => boolean;

/**
 * Checkers compiled from types, per alias map: a type is turned into a tree of small closures once,
 * each specialised to its bounds, which is several times faster than walking the type for every
 * value (compile checks every parameter of every VM). Aliases are looked up when a value is
 * checked, so a map filled after the first check is still seen.
 */
const compiled = new WeakMap<Aliases, WeakMap<PType, Checker>>();

/**
 * The alias expansions in progress, as (name, value) pairs: the same alias met again for the same
 * value means the alias is not productive (`A = Variant[A, String]`) or the value is cyclic, so
 * that path does not match. Recursive aliases that consume the value
 * (`Tree = Variant[String, Array[Tree]]`) are fine. Checks are synchronous, so one stack serves all.
 */
const aliasStack: unknown[] = [];

/** Whether `value` (plain data from YAML or JSON) is an instance of `t`. Allocates nothing once compiled. */
export function isInstance(t: PType, value: unknown, aliases: Aliases = NO_ALIASES): boolean {
  return checkerFor(t, aliases)(value);
}

function checkerFor(t: PType, aliases: Aliases): Checker {
  let byType = compiled.get(aliases);
  if (!byType) {
    byType = new WeakMap();
    compiled.set(aliases, byType);
  }
  let c = byType.get(t);
  if (!c) {
    c = compile(t, aliases);
    byType.set(t, c);
  }
  return c;
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

function isScalarData(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number' || v instanceof PuppetFloat;
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

/** Whether a Struct key may be absent: `Optional['k']`, or a plain key whose value accepts undef. */
export function structKeyOptional(e: StructEntry, aliases: Aliases): boolean {
  return e.keyForm === 'Optional' || (e.keyForm === 'plain' && isInstance(e.value, undefined, aliases));
}

export function tupleSize(t: PType & { kind: 'Tuple' }): { min: number; max: number | undefined } {
  if (t.min === undefined && t.max === undefined) return { min: t.types.length, max: t.types.length };
  return { min: t.min ?? 0, max: t.max };
}

function compile(t: PType, aliases: Aliases): Checker {
  const sub = (x: PType): Checker => checkerFor(x, aliases);
  switch (t.kind) {
    case 'Any':
      return () => true;
    case 'Scalar':
    case 'ScalarData':
      return isScalarData;
    case 'Data':
      return (v) => isData(v);
    case 'Default':
      return () => false;
    case 'Numeric':
      return (v) => typeof v === 'number' || v instanceof PuppetFloat;
    case 'Boolean':
      return (v) => typeof v === 'boolean';
    case 'Undef':
      return isUndef;
    case 'String': {
      const min = t.min ?? 0;
      const max = t.max ?? Infinity;
      if (min === 0 && max === Infinity) return (v) => typeof v === 'string';
      return (v) => {
        if (typeof v !== 'string') return false;
        // code points lie between half the UTF-16 length and the length
        const units = v.length;
        if (units < min) return false;
        if (units <= max && Math.ceil(units / 2) >= min) return true;
        const n = stringLength(v);
        return n >= min && n <= max;
      };
    }
    case 'Integer': {
      const min = t.min ?? -Infinity;
      const max = t.max ?? Infinity;
      return (v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
    }
    case 'Float': {
      // YAML's .inf and .nan are Floats, as in Ruby.
      const min = t.min ?? -Infinity;
      const max = t.max ?? Infinity;
      if (t.min === undefined && t.max === undefined) return isFloatValue;
      return (v) => isFloatValue(v) && Number(v) >= min && Number(v) <= max;
    }
    case 'Optional': {
      if (!t.type) return () => true;
      const inner = sub(t.type);
      return (v) => v === null || v === undefined || inner(v);
    }
    case 'Sensitive':
      return t.type ? sub(t.type) : () => true;
    case 'NotUndef': {
      if (!t.type) return (v) => v !== null && v !== undefined;
      const inner = sub(t.type);
      return (v) => v !== null && v !== undefined && inner(v);
    }
    case 'Enum': {
      if (t.caseInsensitive) {
        const lower = new Set(t.values.map((x) => x.toLowerCase()));
        return (v) => typeof v === 'string' && lower.has(v.toLowerCase());
      }
      const values = new Set(t.values);
      return (v) => typeof v === 'string' && values.has(v);
    }
    case 'Pattern': {
      const regexps = t.patterns.map((p) => p.regexp);
      if (regexps.length === 0) return (v) => typeof v === 'string';
      return (v) => {
        if (typeof v !== 'string') return false;
        for (let i = 0; i < regexps.length; i++) if ((regexps[i] as RegExp).test(v)) return true;
        return false;
      };
    }
    case 'Array': {
      const min = t.min ?? 0;
      const max = t.max ?? Infinity;
      const element = t.element && sub(t.element);
      return (v) => {
        if (!Array.isArray(v) || v.length < min || v.length > max) return false;
        if (element) for (let i = 0; i < v.length; i++) if (!element(v[i])) return false;
        return true;
      };
    }
    case 'Hash': {
      const min = t.min ?? 0;
      const max = t.max ?? Infinity;
      const sized = t.min !== undefined || t.max !== undefined;
      const key = t.key && sub(t.key);
      const value = t.value && sub(t.value);
      return (v) => {
        if (!isHash(v)) return false;
        if (sized) {
          const n = Object.keys(v).length;
          if (n < min || n > max) return false;
        }
        if (key || value) {
          for (const k in v) {
            if (key && !key(hashKeyValue(v, k))) return false;
            if (value && !value(v[k])) return false;
          }
        }
        return true;
      };
    }
    case 'Struct': {
      const entries = t.entries.map((e) => ({
        name: e.name,
        check: sub(e.value),
        // a plain key whose type accepts undef may be absent: decided when needed (aliases)
        optional: e.keyForm === 'Optional' ? true : e.keyForm === 'NotUndef' ? false : undefined,
      }));
      const names = new Set(t.entries.map((e) => e.name));
      return (v) => {
        if (!isHash(v)) return false;
        let matched = 0;
        for (const e of entries) {
          if (Object.hasOwn(v, e.name)) {
            matched++;
            if (!e.check(v[e.name])) return false;
          } else if (!(e.optional ?? e.check(undefined))) return false;
        }
        // every key of the hash must be declared
        if (matched === entries.length) {
          let n = 0;
          for (const _ in v) n++;
          return n === matched;
        }
        for (const k in v) if (!names.has(k)) return false;
        return true;
      };
    }
    case 'Tuple': {
      if (t.types.length === 0 && t.min === undefined && t.max === undefined) return (v) => Array.isArray(v);
      const { min, max = Infinity } = tupleSize(t);
      const types = t.types.map(sub);
      const last = types.length - 1;
      return (v) => {
        if (!Array.isArray(v) || v.length < min || v.length > max) return false;
        if (last >= 0) {
          for (let i = 0; i < v.length; i++) if (!(types[i < last ? i : last] as Checker)(v[i])) return false;
        }
        return true;
      };
    }
    case 'Variant': {
      const members = t.types.map(sub);
      return (v) => {
        for (let i = 0; i < members.length; i++) if ((members[i] as Checker)(v)) return true;
        return false;
      };
    }
    case 'Alias': {
      const name = t.name;
      return (v) => {
        const target = aliases.get(name);
        if (!target) return false;
        for (let i = 0; i < aliasStack.length; i += 2) {
          if (aliasStack[i] === name && aliasStack[i + 1] === v) return false;
        }
        aliasStack.push(name, v);
        try {
          return checkerFor(target, aliases)(v);
        } finally {
          aliasStack.length -= 2;
        }
      };
    }
    default:
      return assertNever(t);
  }
}
