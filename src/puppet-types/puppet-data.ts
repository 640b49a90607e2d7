// How Puppet's data is held in plain JS where JS alone would lose a distinction Puppet makes:
// a whole-number Float (`4.0`) and an Integer hash key (`{1: Nordtor}`). Every reader
// (Hiera data, control repository files) and every consumer (merge, type check, ENC) uses
// these, so a value keeps its Puppet type from the file to the output (docs/control-repository.md).

/**
 * A Float whose value is a whole number (`4.0`, `2.0e+3`). JS has one number type, so `4.0`
 * would read back as the Integer 4 and fail `Float[0.5, 10.0]`. Floats with a fraction, `.inf`
 * and `.nan` stay plain numbers: `Number.isInteger` already tells them from Integers.
 * Immutable; `toJSON` gives the number, as JSON cannot tell 4.0 from 4 either.
 */
export class PuppetFloat {
  constructor(readonly value: number) {
    Object.freeze(this);
  }
  valueOf(): number {
    return this.value;
  }
  toJSON(): number {
    return this.value;
  }
}

/** The Float `n` as data: a {@link PuppetFloat} when it is a whole number, else the number. */
export function floatValue(n: number): number | PuppetFloat {
  return Number.isInteger(n) ? new PuppetFloat(n) : n;
}

/** Whether `v` is a Puppet Float (a number with a fraction, infinite, NaN, or a PuppetFloat). */
export function isFloatValue(v: unknown): v is number | PuppetFloat {
  return v instanceof PuppetFloat || (typeof v === 'number' && !Number.isInteger(v));
}

/** Whether `v` is a Puppet Integer. */
export function isIntegerValue(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** Integer or Float: the number, else undefined. */
export function numericValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  return v instanceof PuppetFloat ? v.value : undefined;
}

/**
 * Hash keys that were Integers in YAML (`80: http`). Puppet keeps them apart from the String
 * key `"80"`: `ports.80` digs into the first, `ports."80"` into the second, and
 * `Hash[Integer, String]` accepts only the first. JS object keys are strings, so the keys are
 * remembered here, beside the object, and carried along when a hash is copied or merged.
 */
const integerKeys = new WeakMap<object, Set<string>>();

export function markIntegerKey(hash: object, key: string): void {
  let set = integerKeys.get(hash);
  if (!set) integerKeys.set(hash, (set = new Set()));
  set.add(key);
}

export function isIntegerKey(hash: object, key: string): boolean {
  return integerKeys.get(hash)?.has(key) ?? false;
}

/** Carries the Integer-key marks of `from` over to `to` for the keys `to` has. */
export function copyIntegerKeys(from: object, to: object): void {
  const set = integerKeys.get(from);
  if (!set) return;
  for (const k of set) if (Object.prototype.hasOwnProperty.call(to, k)) markIntegerKey(to, k);
}

/** A key of `hash` as Puppet holds it: a number for an Integer key, else the string. */
export function hashKeyValue(hash: object, key: string): string | number {
  return isIntegerKey(hash, key) ? Number(key) : key;
}

/** Ruby's `Float#to_s`: `2000.0`, `0.5`, `1.0e-05`, `1.0e+20`. */
export function rubyFloatText(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(n);
  if (abs >= 1e16 || abs < 1e-4) {
    const [mant = '', exp = '0'] = n.toExponential().split('e');
    const m = mant.includes('.') ? mant : `${mant}.0`;
    const e = Number(exp);
    return `${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  const s = String(n);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

/**
 * A deep copy of plain data that keeps Integer-key marks (PuppetFloats are immutable and shared).
 */
export function cloneData<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneData) as T;
  if (typeof value === 'object' && value !== null && !(value instanceof PuppetFloat)) {
    const from = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(from)) out[k] = cloneData(from[k]);
    copyIntegerKeys(from, out);
    return out as T;
  }
  return value;
}

/**
 * Whether `a` and `b` are the same Puppet data: `4.0` differs from `4`, and an Integer key from
 * the String key with the same digits (`isDeepStrictEqual` sees neither difference).
 */
export function dataEqual(a: unknown, b: unknown): boolean {
  if (a instanceof PuppetFloat || b instanceof PuppetFloat) {
    return a instanceof PuppetFloat && b instanceof PuppetFloat && Object.is(a.value, b.value);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => dataEqual(x, b[i]))
    );
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    return ka.every(
      (k) =>
        Object.prototype.hasOwnProperty.call(b, k) &&
        isIntegerKey(a, k) === isIntegerKey(b, k) &&
        dataEqual(ra[k], rb[k]),
    );
  }
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}
