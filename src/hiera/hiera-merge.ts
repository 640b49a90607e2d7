// Merge strategies as Puppet 7 implements them (Puppet::Pops::MergeStrategy and the deep_merge
// gem it calls). Values are merged pairwise from the highest priority down: `merge(higher, lower)`.
// A value found once is only "converted" (unique flattens it), never type checked: that is why
// `--merge hash` on a String found at one level returns the String.
import { numericValue } from '../puppet-types/index.js';
import { HieraFailure, NOT_FOUND, type Found } from './hiera-keys.js';
import {
  type Hash,
  isHash,
  hasOwn,
  deepEqual,
  flattenDeep,
  uniqueValues,
  copyIntegerKeys,
  isIntegerKey,
  markIntegerKey,
  puppetTypeName,
} from './hiera-values.js';

export type MergeStrategyName = 'first' | 'unique' | 'hash' | 'deep';

/** What a caller passes as `merge`: a strategy name or Puppet's options hash. */
export type MergeOption =
  | MergeStrategyName
  | {
      strategy: MergeStrategyName;
      knockout_prefix?: string;
      sort_merged_arrays?: boolean;
      merge_hash_arrays?: boolean;
    };

export interface DeepOptions {
  knockoutPrefix?: string;
  sortMergedArrays: boolean;
  mergeHashArrays: boolean;
}

export interface MergeStrategy {
  /** Puppet's strategy key ('default' is first-found chosen by nobody). */
  key: 'first' | 'default' | 'unique' | 'hash' | 'deep' | 'unconstrained_deep' | 'reverse_deep';
  deep: DeepOptions;
  /** For --explain: the configuration as given. */
  describe: string;
}

const KNOWN = ['first', 'default', 'unique', 'hash', 'deep', 'unconstrained_deep', 'reverse_deep'] as const;

export const DEFAULT_STRATEGY: MergeStrategy = {
  key: 'default',
  deep: { sortMergedArrays: false, mergeHashArrays: false },
  describe: 'first',
};

/** Puppet's `MergeStrategy.strategy(merge)`: a name, an options hash, or nothing (first found). */
export function strategyOf(merge: unknown): MergeStrategy {
  if (merge === undefined || merge === null || merge === false) return DEFAULT_STRATEGY;
  let name: unknown;
  let options: Hash = {};
  if (isHash(merge)) {
    name = merge['strategy'];
    if (name === undefined || name === null) {
      throw new HieraFailure(
        "The hash given as 'merge' must contain the name of a strategy in string form for the key 'strategy'",
        'merge',
      );
    }
    if (Object.keys(merge).length > 1) options = merge;
  } else {
    name = merge;
  }
  if (typeof name !== 'string' || !(KNOWN as readonly string[]).includes(name)) {
    throw new HieraFailure(`Unknown merge strategy: '${String(name)}'`, 'merge');
  }
  const key = name as MergeStrategy['key'];
  const deep: DeepOptions = { sortMergedArrays: false, mergeHashArrays: false };
  const isDeep = key === 'deep' || key === 'unconstrained_deep' || key === 'reverse_deep';
  for (const [k, v] of Object.entries(options)) {
    if (k === 'strategy') continue;
    if (!isDeep) {
      throw new HieraFailure(
        `The merge options of strategy '${key}' has wrong type, unrecognized key '${k}'`,
        'merge',
      );
    }
    switch (k) {
      case 'knockout_prefix':
        if (v === null || v === undefined) break;
        if (typeof v !== 'string') {
          throw new HieraFailure(
            `The merge options entry 'knockout_prefix' expects a String value, got ${puppetTypeName(v)}`,
            'merge',
          );
        }
        if (v === '')
          throw new HieraFailure('knockout_prefix cannot be an empty string in deep_merge!', 'merge');
        deep.knockoutPrefix = v;
        break;
      case 'sort_merged_arrays':
      case 'merge_hash_arrays':
      case 'merge_debug':
        if (v !== null && v !== undefined && typeof v !== 'boolean') {
          throw new HieraFailure(
            `The merge options entry '${k}' expects a Boolean value, got ${puppetTypeName(v)}`,
            'merge',
          );
        }
        if (k === 'sort_merged_arrays') deep.sortMergedArrays = v === true;
        if (k === 'merge_hash_arrays') deep.mergeHashArrays = v === true;
        break;
      default:
        if (key === 'deep') {
          throw new HieraFailure(
            `The merge options of strategy 'deep' has wrong type, unrecognized key '${k}'`,
            'merge',
          );
        }
    }
  }
  const describe = Object.keys(options).length > 0 ? JSON.stringify({ strategy: key, ...options }) : key;
  return { key, deep, describe };
}

export function isFirst(s: MergeStrategy): boolean {
  return s.key === 'first' || s.key === 'default';
}

/**
 * Puppet's `MergeStrategy#lookup`: runs `lookupOne` over the variants (levels, locations) and
 * merges what they found. First-found stops at the first hit.
 */
export function lookupVariants<V>(
  s: MergeStrategy,
  variants: readonly V[],
  lookupOne: (v: V) => Found,
): Found {
  if (isFirst(s)) {
    for (const v of variants) {
      const r = lookupOne(v);
      if (r !== NOT_FOUND) return r;
    }
    return NOT_FOUND;
  }
  if (variants.length === 0) return NOT_FOUND;
  if (variants.length === 1) {
    const r = lookupOne(variants[0]!);
    return r === NOT_FOUND ? NOT_FOUND : mergeSingle(s, r);
  }
  let memo: Found = NOT_FOUND;
  for (const v of variants) {
    const r = lookupOne(v);
    if (r === NOT_FOUND) continue;
    memo = memo === NOT_FOUND ? convertValue(s, r) : mergeValues(s, memo, r);
  }
  return memo;
}

export function convertValue(s: MergeStrategy, v: unknown): unknown {
  if (s.key === 'unique') return Array.isArray(v) ? flattenDeep(v) : [v];
  return v;
}

export function mergeSingle(s: MergeStrategy, v: unknown): unknown {
  if (s.key === 'unique' && Array.isArray(v)) return uniqueValues(v);
  return v;
}

/** Puppet's `MergeStrategy#merge(e1, e2)`: e1 has the higher priority. */
export function mergeValues(s: MergeStrategy, e1: unknown, e2: unknown): unknown {
  switch (s.key) {
    case 'first':
    case 'default':
      return e1;
    case 'hash': {
      assertHash('first', e1);
      assertHash('second', e2);
      const out: Hash = {};
      for (const k of Object.keys(e2)) out[k] = e2[k];
      for (const k of Object.keys(e1)) out[k] = e1[k];
      copyIntegerKeys(e2, out);
      copyIntegerKeys(e1, out);
      return out;
    }
    case 'unique':
      assertUniqueElement('first', e1);
      assertUniqueElement('second', e2);
      return uniqueValues([...flattenDeep(asArray(e1)), ...flattenDeep(asArray(e2))]);
    case 'deep':
    case 'unconstrained_deep':
      return deepMerge(e1, e2, s.deep);
    case 'reverse_deep':
      return deepMerge(e2, e1, s.deep);
  }
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}

function assertHash(which: string, v: unknown): asserts v is Hash {
  if (!isHash(v)) {
    throw new HieraFailure(
      `The ${which} element of the merge has wrong type, expects a Hash value, got ${puppetTypeName(v)}`,
      'merge',
    );
  }
}

function assertUniqueElement(which: string, v: unknown): void {
  if (isHash(v)) {
    throw new HieraFailure(
      `The ${which} element of the merge has wrong type, expects a value of type Scalar or Array, got Struct`,
      'merge',
    );
  }
}

function truthy(v: unknown): boolean {
  return v !== null && v !== undefined && v !== false;
}

const knockoutPatterns = new Map<string, RegExp>();

/** The gem interpolates the prefix into a Regexp unescaped (`^#{prefix}`), per line. */
function knockoutPattern(prefix: string): RegExp {
  let re = knockoutPatterns.get(prefix);
  if (!re) {
    try {
      re = new RegExp(`^${prefix}`, 'gm');
    } catch {
      re = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'gm');
    }
    knockoutPatterns.set(prefix, re);
  }
  return re;
}

/** Ruby's `<=>` for `sort!` of merged arrays; incomparable elements are an error, as in Ruby. */
function rubyCompare(a: unknown, b: unknown): number {
  const na = numericValue(a);
  const nb = numericValue(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = rubyCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  throw new HieraFailure(`comparison of ${puppetTypeName(a)} with ${puppetTypeName(b)} failed`, 'merge');
}

/**
 * `DeepMerge.deep_merge!(source, dest, preserve_unmergeables: false, ...)` without its mutation:
 * returns a new value, leaves both arguments as they are. Where the gem aliases (a hash replacing
 * a non-hash `dest` and then merging into itself, a new key merged into its own copy), the
 * effect of that aliasing is reproduced by `selfMerge`.
 */
function deepMerge(source: unknown, dest: unknown, o: DeepOptions): unknown {
  if (source === null || source === undefined) return dest;
  if (!truthy(dest)) return source;
  if (isHash(source)) {
    const keys = Object.keys(source);
    if (isHash(dest)) {
      const out: Hash = { ...dest };
      copyIntegerKeys(dest, out);
      for (const k of keys) {
        const sv = source[k];
        out[k] = hasOwn(out, k) && truthy(out[k]) ? deepMerge(sv, out[k], o) : mergeIntoOwnCopy(sv, o);
        if (isIntegerKey(source, k)) markIntegerKey(out, k);
      }
      return out;
    }
    // the first key replaces dest by source itself; the other keys then merge source into itself
    if (keys.length === 0) return dest;
    const out: Hash = { ...source };
    copyIntegerKeys(source, out);
    for (const k of keys.slice(1)) if (truthy(source[k])) out[k] = selfMerge(source[k], o);
    return out;
  }
  if (Array.isArray(source)) return mergeArrays(source, dest, o);
  return overwriteUnmergeables(source, o);
}

function mergeArrays(source: unknown[], dest: unknown, o: DeepOptions): unknown {
  const ko = o.knockoutPrefix;
  let src = source;
  let d = dest;
  if (ko !== undefined && src.some((x) => x === ko)) {
    d = clearOrNil(d);
    src = src.filter((x) => x !== ko);
  }
  if (!Array.isArray(d)) return overwriteUnmergeables(src, o);
  let list: unknown[] = d;
  if (ko !== undefined) {
    const re = knockoutPattern(ko);
    src = src.filter((item) => {
      const stripped = typeof item === 'string' ? item.replace(re, '') : item;
      if (stripped === item) return true;
      list = list.filter((x) => !deepEqual(x, stripped) && !deepEqual(x, item));
      return false;
    });
  }
  return finishArrays(src, list, o);
}

function finishArrays(src: unknown[], d: unknown[], o: DeepOptions): unknown[] {
  let out: unknown[];
  if (o.mergeHashArrays && src.every(isHash) && d.every(isHash)) {
    out = d.map((di, i) =>
      src[i] === di ? selfMerge(di, o) : deepMerge(truthy(src[i]) ? src[i] : {}, di, o),
    );
    if (src.length > d.length) out.push(...src.slice(d.length));
  } else {
    out = uniqueValues([...d, ...src]);
  }
  if (o.sortMergedArrays) out.sort(rubyCompare);
  return out;
}

/**
 * The gem's `source.delete_if { ... dest.delete(item); dest.delete(ko_item) ... }` when source
 * and dest are the same array: the deletions inside the block shift the array under Ruby's
 * `reject!` loop. Simulates Ruby 3.1's `ary_reject_bang` (and its ensure) step by step.
 */
function rejectKnockedOutAliased(ary: unknown[], re: RegExp): void {
  const deleteAll = (x: unknown): void => {
    for (let i = ary.length - 1; i >= 0; i--) if (deepEqual(ary[i], x)) ary.splice(i, 1);
  };
  let i1 = 0;
  let i2 = 0;
  for (; i1 < ary.length; i1++) {
    const item = ary[i1];
    const stripped = typeof item === 'string' ? item.replace(re, '') : item;
    if (stripped !== item) {
      deleteAll(stripped);
      deleteAll(item);
      continue;
    }
    if (i1 !== i2) ary[i2] = item;
    i2++;
  }
  const len = ary.length;
  if (i2 < len && i2 < i1) {
    const tail = i1 < len ? len - i1 : 0;
    for (let k = 0; k < tail; k++) ary[i2 + k] = ary[i1 + k];
    ary.length = i2 + tail;
  }
}

/** `deep_merge!(v, v.dup)`: a key new to dest, merged into a shallow copy of itself. */
function mergeIntoOwnCopy(v: unknown, o: DeepOptions): unknown {
  if (Array.isArray(v)) return mergeArrays(v, [...v], o);
  return selfMerge(v, o);
}

/** `deep_merge!(v, v)` with source and dest the same object. */
function selfMerge(v: unknown, o: DeepOptions): unknown {
  if (!truthy(v)) return v;
  if (isHash(v)) {
    const out: Hash = { ...v };
    copyIntegerKeys(v, out);
    for (const k of Object.keys(v)) if (truthy(v[k])) out[k] = selfMerge(v[k], o);
    return out;
  }
  if (Array.isArray(v)) {
    const ko = o.knockoutPrefix;
    // clearing dest clears source too: the bare prefix empties the array
    if (ko !== undefined && v.some((x) => x === ko)) return [];
    const items: unknown[] = [...v];
    if (ko !== undefined) rejectKnockedOutAliased(items, knockoutPattern(ko));
    return finishArrays(items, items, o);
  }
  return overwriteUnmergeables(v, o);
}

function clearOrNil(v: unknown): unknown {
  if (Array.isArray(v)) return [];
  if (isHash(v)) return {};
  if (typeof v === 'string') return '';
  return null;
}

function overwriteUnmergeables(source: unknown, o: DeepOptions): unknown {
  const ko = o.knockoutPrefix;
  if (ko === undefined) return source;
  const re = knockoutPattern(ko);
  if (typeof source === 'string') {
    const tmp = source.replace(re, '');
    return tmp === source ? source : '';
  }
  if (Array.isArray(source)) {
    return source.filter((x) => !(typeof x === 'string' && new RegExp(re.source, 'm').test(x)));
  }
  return source;
}
