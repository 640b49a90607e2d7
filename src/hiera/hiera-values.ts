// Plain-data helpers shared by the Hiera engine: how Ruby (and so Puppet) compares, prints and
// copies the values Hiera returns. Values are plain JS: null, boolean, number, string, arrays and
// plain objects. Data coming from files is frozen; everything here copies instead of mutating.

export type Hash = Record<string, unknown>;

export function isHash(v: unknown): v is Hash {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Hash keys that were Integers in YAML (`80: http`). Puppet keeps them apart from the String
 * key `"80"`: `ports.80` digs into the first, `ports."80"` into the second. JS objects cannot
 * tell them apart, so the keys are remembered here, beside the object, and carried along when a
 * hash is copied or merged.
 */
const integerKeys = new WeakMap<object, Set<string>>();

export function markIntegerKey(hash: Hash, key: string): void {
  let set = integerKeys.get(hash);
  if (!set) integerKeys.set(hash, (set = new Set()));
  set.add(key);
}

export function isIntegerKey(hash: Hash, key: string): boolean {
  return integerKeys.get(hash)?.has(key) ?? false;
}

/** Carries the Integer-key marks of `from` over to `to` for the keys `to` has. */
export function copyIntegerKeys(from: Hash, to: Hash): void {
  const set = integerKeys.get(from);
  if (!set) return;
  for (const k of set) if (Object.prototype.hasOwnProperty.call(to, k)) markIntegerKey(to, k);
}

export function hasOwn(hash: Hash, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(hash, key);
}

/** Ruby's `==` on data: deep, hash keys unordered. (1 and 1.0 are equal here, as JS cannot tell.) */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
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
export function deepClone<T>(value: T): T {
  if (Array.isArray(value)) return value.map(deepClone) as T;
  if (isHash(value)) {
    const out: Hash = {};
    for (const k of Object.keys(value)) out[k] = deepClone(value[k]);
    copyIntegerKeys(value, out);
    return out as T;
  }
  return value;
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Ruby's `Float#to_s`: `2000.0`, `0.5`, `1.0e-05`, `1.0e+20`. */
export function rubyFloatToString(n: number): string {
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
  if (typeof v === 'boolean') return String(v);
  return rubyInspect(v);
}

/** Puppet's name for a value's type, as its error messages print it. */
export function puppetTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'Undef';
  if (typeof v === 'string') return 'String';
  if (typeof v === 'boolean') return 'Boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'Float';
  if (Array.isArray(v)) return 'Tuple';
  return 'Struct';
}
