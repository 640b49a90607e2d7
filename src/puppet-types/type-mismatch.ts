/**
 * Why a value does not match a type, in the words Puppet 7 uses (its TypeMismatchDescriber):
 * `entry 'port' expects an Integer[1, 64] value, got Integer[70, 70]`. The same decisions as
 * Puppet's: which types a message names, when it shows the value's range, how the failures of a
 * Variant's members are merged into one message.
 *
 * Only runs once a value is known not to match, so it may allocate freely.
 */
import { hashKeyValue, PuppetFloat } from './puppet-data.js';
import { ANY, UNDEF, assertNever, type PType } from './type-ast.js';
import { formatTypeWith, quote, rubyFloat } from './type-format.js';
import { isHash, isInstance, isUndef, structKeyOptional, tupleSize, type Aliases } from './type-instance.js';
import { normalize, variantOf } from './type-normalize.js';

type PathElement =
  | { k: 'variant'; i: number }
  | { k: 'index'; i: number }
  | { k: 'entry'; key: string }
  | { k: 'keyOf'; key: string };

interface Range {
  from: number;
  to: number;
}

/** The type Puppet infers for a value, by its class; `full` overrides the printed form. */
interface Actual {
  value: unknown;
  full?: string;
}

type Mismatch =
  | { m: 'type'; path: PathElement[]; expected: PType; actual: Actual; pattern: boolean }
  | { m: 'size'; path: PathElement[]; expected: Range; actual: Range }
  | { m: 'missingKey'; path: PathElement[]; key: string }
  | { m: 'extraKey'; path: PathElement[]; key: string }
  | { m: 'unresolved'; path: PathElement[]; name: string };

/** Puppet's `Data` is an alias of this. */
const DATA_BODY: PType = {
  kind: 'Variant',
  types: [
    { kind: 'ScalarData' },
    UNDEF,
    { kind: 'Hash', key: { kind: 'String' }, value: { kind: 'Data' } },
    { kind: 'Array', element: { kind: 'Data' } },
  ],
};

class Describer {
  /** (alias name, value) pairs being described, to stop on aliases that are not productive. */
  private readonly guard: unknown[] = [];

  constructor(private readonly aliases: Aliases) {}

  describe(e: PType, v: unknown, path: PathElement[]): Mismatch[] {
    return this.internal(this.normalize(e), e, v, path);
  }

  normalize(t: PType): PType {
    return normalize(t, this.aliases);
  }

  typeMismatch(path: PathElement[], expected: PType, actual: Actual, pattern = false): Mismatch {
    return { m: 'type', path, expected: this.normalize(expected), actual, pattern };
  }

  private internal(expected: PType, original: PType, v: unknown, path: PathElement[]): Mismatch[] {
    switch (expected.kind) {
      case 'Variant':
        return this.variant(expected, original, v, path);
      case 'Struct':
        return this.struct(expected, original, v, path);
      case 'Hash':
        return this.hash(expected, original, v, path);
      case 'Tuple':
        return this.tuple(expected, original, v, path);
      case 'Array':
        return this.array(expected, original, v, path);
      case 'Optional':
        if (isUndef(v)) return [];
        return this.internal(expected.type ?? ANY, isAliasLike(original) ? original : expected, v, path);
      case 'Enum':
      case 'Pattern':
        return [this.typeMismatch(path, original, { value: v }, true)];
      case 'Alias':
      case 'Data': {
        const name = expected.kind === 'Alias' ? expected.name : 'Data';
        const target = expected.kind === 'Alias' ? this.aliases.get(name) : DATA_BODY;
        if (!target) return [{ m: 'unresolved', path, name }];
        for (let i = 0; i < this.guard.length; i += 2) {
          if (this.guard[i] === name && this.guard[i + 1] === v)
            return [this.typeMismatch(path, expected, { value: v })];
        }
        this.guard.push(name, v);
        const result = this.internal(this.normalize(target), expected, v, path);
        this.guard.length -= 2;
        return result;
      }
      case 'Any':
      case 'Scalar':
      case 'ScalarData':
      case 'Default':
      case 'Numeric':
      case 'Boolean':
      case 'Undef':
      case 'String':
      case 'Integer':
      case 'Float':
      case 'NotUndef':
      case 'Sensitive':
        return isInstance(expected, v, this.aliases) ? [] : [this.typeMismatch(path, original, { value: v })];
      default:
        return assertNever(expected);
    }
  }

  private variant(expected: PType & { kind: 'Variant' }, original: PType, v: unknown, path: PathElement[]) {
    const types = original.kind === 'Optional' ? [UNDEF, ...expected.types] : expected.types;
    const perVariant: Mismatch[][] = [];
    for (let i = 0; i < types.length; i++) {
      const d = this.describe(types[i] as PType, v, [...path, { k: 'variant', i }]);
      if (d.length === 0) return [];
      perVariant.push(d);
    }
    const descriptions = this.merge(path.length, perVariant);
    // All members of an alias failed: report the alias rather than each member.
    if (isAliasLike(original) && descriptions.length === 1)
      return [this.typeMismatch(path, original, { value: v })];
    return descriptions;
  }

  /** Puppet's merge_descriptions: when every member failed the same way at the same place, say it once. */
  private merge(position: number, perVariant: Mismatch[][]): Mismatch[] {
    let descriptions = perVariant.flat();
    for (const kind of ['size', 'type'] as const) {
      const same = descriptions.filter((d) => d.m === kind);
      if (same.length !== perVariant.length) continue;
      let generic: Mismatch | undefined = same[0];
      for (const curr of same.slice(1)) {
        if (!generic || canonicalPath(generic) !== canonicalPath(curr)) {
          generic = undefined;
          break;
        }
        generic = this.mergeTwo(generic, curr);
      }
      if (generic) {
        descriptions = [generic];
        break;
      }
    }
    if (descriptions.length !== 1) return descriptions;
    const only = descriptions[0] as Mismatch;
    return [
      position < only.path.length ? { ...only, path: only.path.filter((_, i) => i !== position) } : only,
    ];
  }

  private mergeTwo(a: Mismatch, b: Mismatch): Mismatch {
    if (a.m === 'type' && b.m === 'type')
      return this.typeMismatch(a.path, variantOf([a.expected, b.expected]), a.actual, a.pattern);
    if (a.m === 'size' && b.m === 'size') {
      const expected = {
        from: Math.min(a.expected.from, b.expected.from),
        to: Math.max(a.expected.to, b.expected.to),
      };
      return { ...a, expected };
    }
    return a;
  }

  private struct(expected: PType & { kind: 'Struct' }, original: PType, v: unknown, path: PathElement[]) {
    if (!isHash(v)) return [this.typeMismatch(path, original, { value: v })];
    if (inferredAsStruct(v)) {
      const out: Mismatch[] = [];
      for (const e of expected.entries) {
        if (!Object.hasOwn(v, e.name)) {
          if (!structKeyOptional(e, this.aliases)) out.push({ m: 'missingKey', path, key: e.name });
        } else if (!isInstance(e.value, v[e.name], this.aliases)) {
          out.push(...this.describe(e.value, v[e.name], [...path, { k: 'entry', key: e.name }]));
        }
      }
      for (const key of Object.keys(v)) {
        if (!expected.entries.some((e) => e.name === key)) out.push({ m: 'extraKey', path, key });
      }
      return out;
    }
    const required = expected.entries.filter((e) => !structKeyOptional(e, this.aliases)).length;
    const want = { from: required, to: expected.entries.length };
    const got = hashSize(v);
    if (within(want, got)) return [this.typeMismatch(path, original, { value: v })];
    return [{ m: 'size', path, expected: want, actual: got } as const];
  }

  private hash(expected: PType & { kind: 'Hash' }, original: PType, v: unknown, path: PathElement[]) {
    if (!isHash(v)) return [this.typeMismatch(path, original, { value: v })];
    const hasSize = expected.min !== undefined || expected.max !== undefined;
    const want = sizeRange(expected.min, expected.max);
    if (inferredAsStruct(v)) {
      const n = Object.keys(v).length;
      if (!within(want, { from: n, to: n }))
        return [{ m: 'size', path, expected: want, actual: { from: n, to: n } } as const];
      const out: Mismatch[] = [];
      for (const key of Object.keys(v)) {
        if (expected.key && !isInstance(expected.key, hashKeyValue(v, key), this.aliases)) {
          out.push(...this.describe(expected.key, hashKeyValue(v, key), [...path, { k: 'keyOf', key }]));
        }
        if (expected.value && !isInstance(expected.value, v[key], this.aliases)) {
          out.push(...this.describe(expected.value, v[key], [...path, { k: 'entry', key }]));
        }
      }
      return out;
    }
    const got = hashSize(v);
    if (!hasSize || within(want, got)) return [this.typeMismatch(path, original, { value: v })];
    return [{ m: 'size', path, expected: want, actual: got } as const];
  }

  private array(expected: PType & { kind: 'Array' }, original: PType, v: unknown, path: PathElement[]) {
    if (!Array.isArray(v)) return [this.typeMismatch(path, original, { value: v })];
    const want = sizeRange(expected.min, expected.max);
    const got = { from: v.length, to: v.length };
    if (v.length === 0) {
      const hasSize = expected.min !== undefined || expected.max !== undefined;
      if (!hasSize || within(want, got))
        return [this.typeMismatch(path, original, { value: v, full: 'Array[Unit]' })];
      return [{ m: 'size', path, expected: want, actual: got } as const];
    }
    if (!within(want, got)) return [{ m: 'size', path, expected: want, actual: got } as const];
    const out: Mismatch[] = [];
    const element = expected.element;
    if (element) {
      v.forEach((x, i) => {
        if (!isInstance(element, x, this.aliases))
          out.push(...this.describe(element, x, [...path, { k: 'index', i }]));
      });
    }
    return out;
  }

  private tuple(expected: PType & { kind: 'Tuple' }, original: PType, v: unknown, path: PathElement[]) {
    if (!Array.isArray(v)) return [this.typeMismatch(path, original, { value: v })];
    if (expected.types.length === 0 && v.length === 0) return [];
    const { min, max } = tupleSize(expected);
    const want = { from: min, to: max ?? Infinity };
    const got = { from: v.length, to: v.length };
    if (!within(want, got)) return [{ m: 'size', path, expected: want, actual: got } as const];
    const out: Mismatch[] = [];
    const last = expected.types.length - 1;
    v.forEach((x, i) => {
      // Puppet names the position of the type, so elements past the end report the last index.
      const at = Math.min(i, last);
      const t = expected.types[at];
      if (t && !isInstance(t, x, this.aliases))
        out.push(...this.describe(t, x, [...path, { k: 'index', i: at }]));
    });
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Messages

  format(d: Mismatch): string {
    const position = d.path.map(pathElementText).join(' ');
    const pre = position ? `${position} ` : '';
    switch (d.m) {
      case 'missingKey':
        return `${pre}expects a value for key '${d.key}'`;
      case 'extraKey':
        return `${pre}unrecognized key '${d.key}'`;
      case 'unresolved':
        return `${pre}references an unresolved type '${d.name}'`;
      case 'size':
        return `${pre}expects size to be ${rangeText(d.expected)}, got ${rangeText(d.actual)}`;
      case 'type':
        return (
          pre +
          (d.pattern ? this.patternMessage(d.expected, d.actual) : this.typeMessage(d.expected, d.actual))
        );
      default:
        return assertNever(d);
    }
  }

  private patternMessage(expected: PType, actual: Actual): string {
    let e = expected;
    let pfx = '';
    if (e.kind === 'Optional' && e.type) {
      e = e.type;
      pfx = 'an undef value or ';
    }
    const got = typeof actual.value === 'string' ? `'${actual.value}'` : actualClass(actual.value);
    return `expects ${pfx}a match for ${this.expanded(e)}, got ${got}`;
  }

  private typeMessage(expected: PType, actual: Actual): string {
    let e = expected;
    let optional = false;
    if (e.kind === 'Optional' && e.type) {
      e = e.type;
      optional = true;
    }
    let text: string;
    let got: string;
    let multi = false;
    if (e.kind === 'Variant') {
      const types = e.types;
      let names: string[];
      if (this.reportDetailed(types, actual)) {
        got = this.detailedActual(types, actual);
        names = types.map((t) => this.expanded(t));
      } else {
        names = [...new Set(types.map(shortName))];
        got = actualClass(actual.value);
      }
      if (optional) names.unshift('Undef');
      if (names.length === 1) text = names[0] as string;
      else if (names.length === 2) text = `${names[0]} or ${names[1]}`;
      else text = `${names.slice(0, -1).join(', ')}, or ${names[names.length - 1]}`;
      multi = names.length > 1;
    } else {
      if (this.reportDetailed([e], actual)) {
        got = this.detailedActual([e], actual);
        text = this.expanded(e);
      } else {
        text = shortName(e);
        got = actualClass(actual.value);
      }
      if (optional) {
        text = `Undef or ${text}`;
        multi = true;
      }
    }
    return multi ? `expects a value of type ${text}, got ${got}` : `expects ${aAn(text)} value, got ${got}`;
  }

  /** Puppet's to_alias_expanded_s: the first mention of each alias shows its definition. */
  private expanded(t: PType): string {
    const seen = new Set<string>();
    const alias = (name: string): string => {
      const target = this.aliases.get(name);
      if (!target || seen.has(name)) return name;
      seen.add(name);
      return `${name} = ${formatTypeWith(this.normalize(target), alias)}`;
    };
    return formatTypeWith(t, alias);
  }

  private resolve(t: PType): PType {
    let r = t;
    for (let depth = 0; depth < 100 && isAliasLike(r); depth++) {
      const next = r.kind === 'Alias' ? this.aliases.get(r.name) : DATA_BODY;
      if (!next) break;
      r = next;
    }
    return r;
  }

  private reportDetailed(e: readonly PType[], actual: Actual): boolean {
    return e.some((t) => alwaysDetailed(t, actual.value) || defaultAccepts(this.resolve(t), actual.value));
  }

  private detailedActual(e: readonly PType[], actual: Actual): string {
    const resolved = e.map((t) => this.resolve(t));
    if (resolved.some((t) => alwaysDetailed(t, actual.value))) return fullActual(actual);
    return resolved.some((t) => this.acceptsGeneralized(t, actual.value))
      ? fullActual(actual)
      : actualClass(actual.value);
  }

  /** Whether `t` accepts every value of the value's class (Puppet: `t.assignable?(a.generalize)`). */
  private acceptsGeneralized(t: PType, v: unknown, depth = 0): boolean {
    if (depth > 50) return false;
    const cls = actualClass(v);
    switch (t.kind) {
      case 'Any':
        return true;
      case 'Optional':
        return cls === 'Undef' || !t.type || this.acceptsGeneralized(t.type, v, depth + 1);
      case 'NotUndef':
        return cls !== 'Undef' && (!t.type || this.acceptsGeneralized(t.type, v, depth + 1));
      case 'Sensitive':
        return !t.type || this.acceptsGeneralized(t.type, v, depth + 1);
      case 'Variant':
        return t.types.some((m) => this.acceptsGeneralized(m, v, depth + 1));
      case 'Alias':
      case 'Data': {
        const r = this.resolve(t);
        return r !== t && this.acceptsGeneralized(r, v, depth + 1);
      }
      case 'Scalar':
      case 'ScalarData':
        return cls === 'Integer' || cls === 'Float' || cls === 'String' || cls === 'Boolean';
      case 'Numeric':
        return cls === 'Integer' || cls === 'Float';
      case 'Integer':
      case 'Float':
      case 'String':
        return cls === t.kind && t.min === undefined && t.max === undefined;
      case 'Boolean':
      case 'Undef':
        return cls === t.kind;
      case 'Array':
        return (
          (cls === 'Tuple' || cls === 'Array') && t.min === undefined && t.max === undefined && !t.element
        );
      case 'Hash':
        return (cls === 'Struct' || cls === 'Hash') && t.min === undefined && t.max === undefined && !t.value;
      case 'Enum':
      case 'Pattern':
      case 'Struct':
      case 'Tuple':
      case 'Default':
        return false;
      default:
        return assertNever(t);
    }
  }
}

function isAliasLike(t: PType): t is PType & { kind: 'Alias' | 'Data' } {
  return t.kind === 'Alias' || t.kind === 'Data';
}

/** Puppet infers a Struct for a non-empty hash whose keys are non-empty strings, else a Hash. */
function inferredAsStruct(v: Record<string, unknown>): boolean {
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => k !== '');
}

function hashSize(v: Record<string, unknown>): Range {
  const n = Object.keys(v).length;
  return { from: n, to: n };
}

function sizeRange(min: number | undefined, max: number | undefined): Range {
  return { from: min ?? 0, to: max ?? Infinity };
}

function within(outer: Range, inner: Range): boolean {
  return inner.from >= outer.from && inner.to <= outer.to;
}

function canonicalPath(d: Mismatch): string {
  return d.path
    .filter((p) => p.k !== 'variant')
    .map(pathElementText)
    .join(' ');
}

function pathElementText(p: PathElement): string {
  switch (p.k) {
    case 'variant':
      return `variant ${p.i}`;
    case 'index':
      return `index ${p.i}`;
    case 'entry':
      return `entry '${p.key}'`;
    case 'keyOf':
      return `key of entry '${p.key}'`;
    default:
      return assertNever(p);
  }
}

function rangeText(r: Range): string {
  if (r.from === r.to) return String(r.from);
  if (r.from === 0) return r.to === Infinity ? 'unlimited' : `at most ${r.to}`;
  if (r.to === Infinity) return `at least ${r.from}`;
  return `between ${r.from} and ${r.to}`;
}

/** Puppet's article rule, `y` included: "an Undef value", "a String value". */
function aAn(text: string): string {
  return /^['"]?[aeiouy]/i.test(text) ? `an ${text}` : `a ${text}`;
}

type ActualClass =
  'Integer' | 'Float' | 'String' | 'Boolean' | 'Undef' | 'Tuple' | 'Array' | 'Struct' | 'Hash' | 'Runtime';

/** The name of the type Puppet infers for a value (`Tuple` for a non-empty array, `Struct` for a hash). */
function actualClass(v: unknown): ActualClass {
  if (isUndef(v)) return 'Undef';
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'Float';
  if (v instanceof PuppetFloat) return 'Float';
  if (typeof v === 'string') return 'String';
  if (typeof v === 'boolean') return 'Boolean';
  if (Array.isArray(v)) return v.length > 0 ? 'Tuple' : 'Array';
  if (isHash(v)) return inferredAsStruct(v) ? 'Struct' : 'Hash';
  return 'Runtime';
}

/** The inferred type of a value, spelled out: `Integer[70, 70]`, `Tuple[String, Boolean[true]]`. */
function fullActual(actual: Actual): string {
  return actual.full ?? fullOf(actual.value);
}

function fullOf(v: unknown, depth = 0): string {
  const cls = actualClass(v);
  // a cyclic value (YAML anchors) is named by its class beyond some depth
  if (depth > 100) return cls;
  switch (cls) {
    case 'Integer':
      return `Integer[${String(v)}, ${String(v)}]`;
    case 'Float':
      return `Float[${rubyFloat(Number(v))}, ${rubyFloat(Number(v))}]`;
    case 'Boolean':
      return `Boolean[${String(v)}]`;
    case 'Tuple':
      return `Tuple[${(v as unknown[]).map((x) => fullOf(x, depth + 1)).join(', ')}]`;
    case 'Array':
      return 'Array[0, 0]';
    case 'Hash': {
      const values = Object.values(v as Record<string, unknown>);
      return values.length === 0 ? 'Hash[0, 0]' : `Hash[String, ${commonType(values)}]`;
    }
    case 'Struct': {
      const entries = Object.entries(v as Record<string, unknown>).map(([k, x]) => {
        const key = isUndef(x) ? `NotUndef[${quote(k)}]` : quote(k);
        return `${key} => ${fullOf(x, depth + 1)}`;
      });
      return `Struct[{${entries.join(', ')}}]`;
    }
    case 'String':
    case 'Undef':
    case 'Runtime':
      return cls;
    default:
      return assertNever(cls);
  }
}

/** A rough form of Puppet's common type of several values: exact when they agree, else a range or Any. */
function commonType(values: unknown[]): string {
  const full = values.map((x) => fullOf(x, 1));
  if (full.every((f) => f === full[0])) return full[0] as string;
  if (values.every((x) => typeof x === 'number' && Number.isInteger(x))) {
    const ns = values as number[];
    return `Integer[${Math.min(...ns)}, ${Math.max(...ns)}]`;
  }
  return 'Any';
}

/** Puppet's short name of an expected type: its kind, with the contained type for Optional and NotUndef. */
function shortName(t: PType): string {
  if ((t.kind === 'Optional' || t.kind === 'NotUndef') && t.type && t.type.kind !== 'Any') {
    return `${t.kind}[${simpleName(t.type)}]`;
  }
  return simpleName(t);
}

function simpleName(t: PType): string {
  return t.kind === 'Alias' ? t.name : t.kind;
}

/** Puppet: the expected type and the value's type are of the same class, or the expected is an alias. */
function alwaysDetailed(t: PType, v: unknown): boolean {
  const cls = actualClass(v);
  return (
    (t.kind as string) === cls ||
    isAliasLike(t) ||
    (t.kind === 'Struct' && cls === 'Hash') ||
    (t.kind === 'Tuple' && cls === 'Array')
  );
}

/** Whether the unparameterised form of `t` (Puppet's `T::DEFAULT`) accepts the value's class. */
function defaultAccepts(t: PType, v: unknown): boolean {
  const cls = actualClass(v);
  switch (t.kind) {
    case 'Any':
    case 'Optional':
    case 'Sensitive':
      return true;
    case 'NotUndef':
      return cls !== 'Undef';
    case 'Scalar':
    case 'ScalarData':
      return cls === 'Integer' || cls === 'Float' || cls === 'String' || cls === 'Boolean';
    case 'Numeric':
      return cls === 'Integer' || cls === 'Float';
    case 'Enum':
    case 'Pattern':
      return cls === 'String';
    case 'Array':
    case 'Tuple':
      return cls === 'Tuple' || cls === 'Array';
    case 'Hash':
    case 'Struct':
      return cls === 'Struct' || cls === 'Hash';
    case 'Integer':
    case 'Float':
    case 'String':
    case 'Boolean':
    case 'Undef':
      return cls === t.kind;
    case 'Default':
    case 'Variant':
    case 'Alias':
    case 'Data':
      return false;
    default:
      return assertNever(t);
  }
}

/**
 * Every way `value` fails `t`, one message per mismatch, each led by where it is
 * (`index 2 expects a String value, got Integer`). Empty when the value matches.
 */
export function typeMismatches(t: PType, value: unknown, aliases: Aliases): string[] {
  if (isInstance(t, value, aliases)) return [];
  const unresolved = findUnresolved(t, aliases, new Set());
  if (unresolved) return [`references an unresolved type '${unresolved}'`];
  const d = new Describer(aliases);
  const found = d.describe(t, value, []);
  if (found.length === 0) return [d.format(d.typeMismatch([], t, { value }))];
  return found.map((m) => d.format(m));
}

/** The first alias name used by `t` (or by the aliases it uses) that is not declared. */
export function findUnresolved(t: PType, aliases: Aliases, seen: Set<string>): string | undefined {
  switch (t.kind) {
    case 'Alias': {
      if (seen.has(t.name)) return undefined;
      seen.add(t.name);
      const target = aliases.get(t.name);
      return target ? findUnresolved(target, aliases, seen) : t.name;
    }
    case 'Optional':
    case 'NotUndef':
    case 'Sensitive':
      return t.type && findUnresolved(t.type, aliases, seen);
    case 'Array':
      return t.element && findUnresolved(t.element, aliases, seen);
    case 'Hash':
      return (
        (t.key && findUnresolved(t.key, aliases, seen)) ?? (t.value && findUnresolved(t.value, aliases, seen))
      );
    case 'Struct':
      for (const e of t.entries) {
        const u = findUnresolved(e.value, aliases, seen);
        if (u) return u;
      }
      return undefined;
    case 'Tuple':
    case 'Variant':
      for (const m of t.types) {
        const u = findUnresolved(m, aliases, seen);
        if (u) return u;
      }
      return undefined;
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
      return undefined;
    default:
      return assertNever(t);
  }
}
