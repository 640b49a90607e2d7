// Dotted keys (`app.tags.1`, `sizes."m.large"`), split and dug into exactly as Puppet's
// SubLookup does: numeric segments index arrays and match Integer hash keys only; quoted
// segments stay Strings; digging into a String, Boolean or Array-by-name is an error, into
// undef or past an array's end is "not found".
import { PuppetFloat } from '../puppet-types/index.js';
import { type Hash, isHash, hasOwn, isIntegerKey } from './hiera-values.js';

export type KeySegment = string | number;

/** A Puppet lookup failure (not "not found"): the message Puppet would print. */
export class HieraFailure extends Error {
  constructor(
    message: string,
    readonly kind:
      | 'config'
      | 'data'
      | 'interpolation'
      | 'recursion'
      | 'merge'
      | 'type'
      | 'outside'
      | 'encoding'
      | 'limit'
      | 'decrypt'
      | 'tool' = 'data',
  ) {
    super(message);
    this.name = 'HieraFailure';
  }
}

export const NOT_FOUND: unique symbol = Symbol('not found');
export type Found<T = unknown> = T | typeof NOT_FOUND;

/**
 * Puppet's `split_key`. Returns undefined on a syntax error (callers word the message).
 * A key without dots or quotes is one segment, even when it is all digits.
 */
export function splitKey(key: string): KeySegment[] | undefined {
  if (!/['".]/.test(key)) return [key];
  const parts = key.split(/(\s*"[^"]+"\s*|\s*'[^']+'\s*|[^'".]+)/);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 0) return undefined;
  if (parts.shift() !== '') return undefined;
  const count = parts.length;
  if (count === 0) return undefined;
  const kept = parts.filter((p) => p !== '.');
  if (kept.length * 2 !== count + 1) return undefined;
  return kept.map((raw) => {
    const seg = raw.trim();
    if (seg.startsWith('"') || seg.startsWith("'")) return seg.slice(1, -1);
    if (/^(:?[+-]?[0-9]+)$/.test(seg)) {
      const n = parseInt(seg.replace(/^:/, ''), 10);
      return seg.startsWith(':') ? 0 : n;
    }
    return seg;
  });
}

/** A lookup key parsed once: its root (looked up in the data) and the segments dug into after. */
export interface LookupKey {
  text: string;
  root: string;
  segments: KeySegment[];
}

export function parseLookupKey(key: string): LookupKey {
  const segs = splitKey(key);
  if (!segs) throw new HieraFailure(`Syntax error in key: '${key}'`);
  const [root, ...rest] = segs;
  if (typeof root !== 'string')
    throw new HieraFailure(`The key '${key}' must start with a name, not an index`);
  return { text: key, root, segments: rest };
}

function rubyClassName(v: unknown): string {
  if (typeof v === 'string') return 'String';
  if (typeof v === 'boolean') return v ? 'TrueClass' : 'FalseClass';
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'Float';
  if (v instanceof PuppetFloat) return 'Float';
  if (Array.isArray(v)) return 'Array';
  return 'Hash';
}

/** Puppet's `sub_lookup`: digs `segments` into `value`. */
export function dig(key: string, segments: readonly KeySegment[], value: unknown): Found {
  let v = value;
  for (const seg of segments) {
    if (v === null || v === undefined) return NOT_FOUND;
    if (typeof seg === 'number' && Array.isArray(v)) {
      if (seg < 0 || seg >= v.length) return NOT_FOUND;
      v = v[seg];
      continue;
    }
    if (!isHash(v)) {
      throw new HieraFailure(
        `Data Provider type mismatch: Got ${rubyClassName(v)} when a hash-like object was expected to access value using '${seg}' from key '${key}'`,
        'type',
      );
    }
    const k = String(seg);
    const h: Hash = v;
    if (!hasOwn(h, k) || isIntegerKey(h, k) !== (typeof seg === 'number')) return NOT_FOUND;
    v = h[k];
  }
  return v;
}
