import { ANY, assertNever, type PType, type PatternSource } from './type-ast.js';
import { formatType } from './type-format.js';
import { isInstance, type Aliases } from './type-instance.js';
import { compareStrings } from './type-strings.js';

/**
 * Puppet's `normalize`: the simplest equal type, which is what Puppet names in its messages
 * (`Variant[Integer, Undef]` is reported as `Undef or Integer`, adjacent Integer ranges merge).
 * Aliases stay as they are.
 */
export function normalize(t: PType, aliases: Aliases): PType {
  switch (t.kind) {
    case 'Optional': {
      if (!t.type) return t;
      const n = normalize(t.type, aliases);
      if (n.kind === 'NotUndef')
        return normalize({ kind: 'Optional', ...(n.type ? { type: n.type } : {}) }, aliases);
      if (isInstance(n, undefined, aliases)) return n;
      return n === t.type ? t : { kind: 'Optional', type: n };
    }
    case 'NotUndef': {
      if (!t.type) return t;
      const n = normalize(t.type, aliases);
      if (n.kind === 'Optional')
        return normalize({ kind: 'NotUndef', ...(n.type ? { type: n.type } : {}) }, aliases);
      if (!isInstance(n, undefined, aliases)) return n;
      return n === t.type ? t : { kind: 'NotUndef', type: n };
    }
    case 'Sensitive':
      // checked as its inner type: a value from YAML is never a Sensitive instance
      return t.type ? normalize(t.type, aliases) : { kind: 'Any' };
    case 'Variant':
      return normalizeVariant(t, aliases);
    case 'Array': {
      // As in Puppet, an Array of Any normalizes to plain Array, size bounds and all.
      if (!t.element || t.element.kind === 'Any') {
        return !t.element && t.min === undefined && t.max === undefined ? t : { kind: 'Array' };
      }
      const element = normalize(t.element, aliases);
      return element === t.element ? t : { ...t, element };
    }
    case 'Hash': {
      if (!t.key && !t.value) return t;
      const key = t.key && normalize(t.key, aliases);
      const value = t.value && normalize(t.value, aliases);
      return key === t.key && value === t.value
        ? t
        : { ...t, ...(key ? { key } : {}), ...(value ? { value } : {}) };
    }
    case 'Struct': {
      let changed = false;
      const entries = t.entries.map((e) => {
        const value = normalize(e.value, aliases);
        if (value === e.value) return e;
        changed = true;
        return { ...e, value };
      });
      return changed ? { kind: 'Struct', entries } : t;
    }
    case 'Tuple': {
      const types = t.types.map((x) => normalize(x, aliases));
      return types.every((x, i) => x === t.types[i]) ? t : { ...t, types };
    }
    case 'Alias':
    case 'Any':
    case 'Scalar':
    case 'ScalarData':
    case 'Data':
    case 'Default':
    case 'Numeric':
    case 'Boolean':
    case 'Undef':
    case 'String':
    case 'Integer':
    case 'Float':
    case 'Enum':
    case 'Pattern':
      return t;
    default:
      return assertNever(t);
  }
}

/** Puppet's `PVariantType.maybe_create`: flattened, without duplicates, a single type unwrapped. */
export function variantOf(types: readonly PType[]): PType {
  const flat: PType[] = [];
  const seen = new Set<string>();
  for (const t of types) {
    for (const m of t.kind === 'Variant' ? t.types : [t]) {
      const key = formatType(m);
      if (!seen.has(key)) {
        seen.add(key);
        flat.push(m);
      }
    }
  }
  return flat.length === 1 ? (flat[0] as PType) : { kind: 'Variant', types: flat };
}

function normalizeVariant(t: PType & { kind: 'Variant' }, aliases: Aliases): PType {
  if (t.types.length === 0) return t;
  let types: PType[] = t.types.map((x) => normalize(x, aliases));
  const modified = types.some((x, i) => x !== t.types[i]);
  if (types.length === 1) return types[0] as PType;
  if (types.some((x) => x.kind === 'Undef' || x.kind === 'Optional')) {
    const rest = types
      .filter((x) => x.kind !== 'Undef')
      .map((x): PType => (x.kind === 'Optional' ? (x.type ?? ANY) : x));
    return normalize({ kind: 'Optional', type: variantOf(rest) }, aliases);
  }
  types = types.flatMap((x) => (x.kind === 'Variant' ? x.types : [x]));
  const before = types.length;
  types = mergeEnums(types);
  types = mergePatterns(types);
  types = mergeNumbers('Integer', types);
  types = mergeNumbers('Float', types);
  if (types.length === 1) return types[0] as PType;
  return modified || types.length !== before ? variantOf(types) : t;
}

function mergeEnums(types: PType[]): PType[] {
  for (const ci of [false, true]) {
    const enums = types.filter((x) => x.kind === 'Enum' && x.caseInsensitive === ci && x.values.length > 0);
    if (enums.length > 1) {
      const values = new Set<string>();
      for (const e of enums) {
        if (e.kind === 'Enum') for (const v of e.values) values.add(ci ? v.toLowerCase() : v);
      }
      types = [
        ...types.filter((x) => !enums.includes(x)),
        { kind: 'Enum', values: [...values].sort(compareStrings), caseInsensitive: ci },
      ];
    }
  }
  return types;
}

function mergePatterns(types: PType[]): PType[] {
  const patterns = types.filter((x) => x.kind === 'Pattern');
  if (patterns.length < 2) return types;
  const all: PatternSource[] = [];
  for (const p of patterns) {
    if (p.kind !== 'Pattern') continue;
    for (const s of p.patterns) if (!all.some((q) => q.source === s.source)) all.push(s);
  }
  return [...types.filter((x) => x.kind !== 'Pattern'), { kind: 'Pattern', patterns: all }];
}

type Ranged = PType & { kind: 'Integer' | 'Float' };

function mergeNumbers(kind: 'Integer' | 'Float', types: PType[]): PType[] {
  let ranges = types.filter((x): x is Ranged => x.kind === kind);
  if (ranges.length < 2) return types;
  const result: PType[] = [];
  // Puppet's merge_ranges: take the last, fold the others into it where they touch, repeat.
  while (ranges.length > 0) {
    const unmerged: Ranged[] = [];
    let memo = ranges.pop() as Ranged;
    for (const y of ranges) {
      const merged = mergeRange(memo, y);
      if (merged) memo = merged;
      else unmerged.push(y);
    }
    result.push(memo);
    ranges = unmerged;
  }
  return [...result, ...types.filter((x) => x.kind !== kind)];
}

function mergeRange(a: Ranged, b: Ranged): Ranged | undefined {
  const af = a.min ?? -Infinity;
  const at = a.max ?? Infinity;
  const bf = b.min ?? -Infinity;
  const bt = b.max ?? Infinity;
  const intersect = af <= bt && at >= bf;
  const adjacent = a.kind === 'Integer' && (at + 1 === bf || bt + 1 === af);
  if (!intersect && !adjacent) return undefined;
  const min = Math.min(af, bf);
  const max = Math.max(at, bt);
  return {
    kind: a.kind,
    ...(min !== -Infinity ? { min } : {}),
    ...(max !== Infinity ? { max } : {}),
  };
}
