// `%{...}` interpolation in data values, hash keys and hierarchy paths, as Puppet's
// Lookup::Interpolation does it: variables (`%{facts.x}`, `%{::x}`, `%{trusted.x}`, dotted and
// quoted segments), and the methods lookup()/hiera()/alias()/literal()/scope(). A missing
// variable or key interpolates to ''; the interpolated text is itself interpolated again (under
// a recursion guard), exactly as Puppet does.
import { HieraFailure, NOT_FOUND, dig, splitKey } from './hiera-keys.js';
import { type Hash, isHash, rubyToS, copyIntegerKeys, isIntegerKey, markIntegerKey } from './hiera-values.js';
import { formatExplainValue, type Explainer } from './hiera-explain.js';

/**
 * Interpolation work done for one top-level lookup, shared by its nested lookups. Puppet has no
 * limit: a chain of keys that each interpolate the previous one twice doubles the work per key
 * (`a: "%{lookup('b')}%{lookup('b')}"`), and 30 such keys hang any engine. The limits sit far
 * above what real data needs; counting costs an increment per `%{...}`.
 */
export class InterpolationWork {
  readonly stack: string[] = [];
  expansions = 0;
  chars = 0;
  values = 0;
  /** A value decrypted from an eyaml ENC[...] block was used: the answer is a secret. */
  decrypted = false;
  /** lookup_options converted the answer to Sensitive. */
  sensitiveType = false;
}

/** `%{...}` expressions one lookup may evaluate, nested lookups included. */
export const MAX_EXPANSIONS = 10_000;
/** Characters one lookup's interpolations may produce (strings an alias() returns count too). */
export const MAX_INTERPOLATED_CHARS = 1 << 20;
/** Hash and array values one lookup's alias() interpolations may return, counted one by one. */
export const MAX_INTERPOLATED_VALUES = 1_000_000;

function overLimit(what: string): never {
  throw new HieraFailure(`interpolation ${what}: the data expands without bound`, 'limit');
}

/** Charges a value an alias() returned: every string's length, every array and hash entry. */
function chargeValue(work: InterpolationWork, v: unknown): void {
  if (typeof v === 'string') {
    work.chars += v.length;
    if (work.chars > MAX_INTERPOLATED_CHARS)
      overLimit(`produces more than ${MAX_INTERPOLATED_CHARS} characters`);
    return;
  }
  if (typeof v !== 'object' || v === null) return;
  if (++work.values > MAX_INTERPOLATED_VALUES)
    overLimit(`returns more than ${MAX_INTERPOLATED_VALUES} values`);
  if (Array.isArray(v)) {
    for (const x of v) chargeValue(work, x);
  } else {
    for (const k of Object.keys(v)) chargeValue(work, (v as Hash)[k]);
  }
}

export interface InterpolationContext {
  /** The work of the top-level lookup this interpolation belongs to. */
  readonly work: InterpolationWork;
  /** A top-scope variable (facts are variables too); undefined when not set. */
  variable(name: string): unknown;
  /** A full lookup of `key` (lookup_options apply); '' when not found. */
  lookup(key: string): unknown;
  /** Runs fn with `name` on the recursion guard ("Recursive lookup detected"). */
  check<T>(name: string, fn: () => T): T;
  explain?: Explainer | undefined;
}

const EMPTY_INTERPOLATIONS = new Set(['', '::', '""', "''", '"::"', "'::'"]);
const METHOD = /^(\w+)\((?:"([^"]+)"|'([^']+)')\)$/;
const KNOWN_METHODS = new Set(['lookup', 'hiera', 'alias', 'literal', 'scope']);

/** True when a value has something to interpolate (so it can be returned as is otherwise). */
export function needsInterpolation(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('%{');
  if (Array.isArray(v)) return v.some(needsInterpolation);
  if (isHash(v)) {
    for (const k of Object.keys(v)) if (k.includes('%{') || needsInterpolation(v[k])) return true;
  }
  return false;
}

export function interpolate(value: unknown, ctx: InterpolationContext, allowMethods: boolean): unknown {
  if (typeof value === 'string') {
    return value.includes('%{') ? interpolateString(value, ctx, allowMethods) : value;
  }
  if (Array.isArray(value)) return value.map((x) => interpolate(x, ctx, allowMethods));
  if (isHash(value)) {
    const out: Hash = {};
    for (const k of Object.keys(value)) {
      const integer = isIntegerKey(value, k);
      const nk = integer ? k : rubyToS(interpolate(k, ctx, allowMethods));
      out[nk] = interpolate(value[k], ctx, allowMethods);
      if (integer) markIntegerKey(out, nk);
    }
    if (Object.keys(out).length === Object.keys(value).length) copyIntegerKeys(value, out);
    return out;
  }
  return value;
}

/** Puppet's scope lookup of a (possibly dotted) variable name: `facts.os.family`, `::customer`. */
export function scopeLookup(key: string, ctx: InterpolationContext, subject: string): unknown {
  const segments = splitKey(key);
  if (!segments) throw new HieraFailure(`Syntax error in string: ${subject}`, 'interpolation');
  const [root, ...rest] = segments;
  const name = String(root).replace(/^::/, '');
  const value = ctx.variable(name);
  if (ctx.explain) {
    ctx.explain.with('Global Scope', () => {
      if (value === undefined) ctx.explain!.line(`No such key: "${name}"`);
      else ctx.explain!.line(`Found key: "${name}" value: ${formatExplainValue(value)}`);
    });
  }
  if (value === undefined || value === null || rest.length === 0) return value;
  const found = dig(key, rest, value);
  return found === NOT_FOUND ? undefined : found;
}

function interpolateString(subject: string, ctx: InterpolationContext, allowMethods: boolean): unknown {
  const run = (): unknown => {
    let out = '';
    let last = 0;
    const work = ctx.work;
    for (const m of subject.matchAll(/%\{([^}]*)\}/g)) {
      const match = m[0];
      out += subject.slice(last, m.index);
      last = m.index + match.length;
      const expr = m[1]!.trim();
      if (EMPTY_INTERPOLATIONS.has(expr)) continue;
      if (++work.expansions > MAX_EXPANSIONS) overLimit(`evaluates more than ${MAX_EXPANSIONS} %{...}`);
      const method = METHOD.exec(expr);
      let kind = 'scope';
      let key = expr;
      if (method) {
        if (!allowMethods) {
          throw new HieraFailure(
            `Interpolation using method syntax is not allowed in this context: '${subject}'`,
            'interpolation',
          );
        }
        kind = method[1]!;
        key = method[2] ?? method[3]!;
      }
      if (!KNOWN_METHODS.has(kind))
        throw new HieraFailure(`Unknown interpolation method '${kind}'`, 'interpolation');
      if (kind === 'alias') {
        if (subject !== match) {
          throw new HieraFailure(
            `'alias' interpolation is only permitted if the expression is equal to the entire string: '${subject}'`,
            'interpolation',
          );
        }
        const aliased = ctx.lookup(key);
        chargeValue(work, aliased);
        return aliased;
      }
      let value: unknown;
      switch (kind) {
        case 'literal':
          value = key;
          break;
        case 'scope':
          value = scopeLookup(key, ctx, subject);
          break;
        default:
          value = ctx.lookup(key);
      }
      value = ctx.check(kind === 'scope' ? `scope:${key}` : key, () => interpolate(value, ctx, allowMethods));
      const text = rubyToS(value);
      work.chars += text.length;
      if (work.chars > MAX_INTERPOLATED_CHARS)
        overLimit(`produces more than ${MAX_INTERPOLATED_CHARS} characters`);
      out += text;
    }
    return out + subject.slice(last);
  };
  return ctx.explain ? ctx.explain.with(`Interpolation on "${subject}"`, run) : run();
}

type TemplatePart = string | { key: string; segments: (string | number)[] };
const compiledTemplates = new Map<string, TemplatePart[] | null>();

/**
 * Interpolation of a hierarchy path (variables only), fast for the common case: the template is
 * parsed once per process. Falls back to `interpolate` when a value itself contains `%{`, or
 * when the template has anything but plain variables (methods, quoting), so results are the same.
 */
export function interpolatePath(template: string, ctx: InterpolationContext): string {
  let parts = compiledTemplates.get(template);
  if (parts === undefined) {
    parts = compileTemplate(template);
    compiledTemplates.set(template, parts);
  }
  if (parts === null || ctx.explain) return rubyToS(interpolate(template, ctx, false));
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const [root, ...rest] = part.segments;
    let v = ctx.variable(String(root).replace(/^::/, ''));
    if (v !== undefined && v !== null && rest.length > 0) {
      const found = dig(part.key, rest, v);
      v = found === NOT_FOUND ? undefined : found;
    }
    if (typeof v === 'string' && v.includes('%{')) return rubyToS(interpolate(template, ctx, false));
    if (typeof v === 'object' && v !== null) return rubyToS(interpolate(template, ctx, false));
    out += rubyToS(v);
  }
  return out;
}

function compileTemplate(template: string): TemplatePart[] | null {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of template.matchAll(/%\{([^}]*)\}/g)) {
    parts.push(template.slice(last, m.index));
    last = m.index + m[0].length;
    const expr = m[1]!.trim();
    if (EMPTY_INTERPOLATIONS.has(expr)) continue;
    if (METHOD.test(expr) || /['"]/.test(expr)) return null;
    const segments = splitKey(expr);
    if (!segments) return null;
    parts.push({ key: expr, segments });
  }
  parts.push(template.slice(last));
  return parts;
}
