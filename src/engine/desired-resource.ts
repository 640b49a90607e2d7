/**
 * What the model wants to exist: one resource per address, with the addresses it needs. A value
 * inside `desired` may be a Ref to another resource's attribute (e.g. the network's id), known
 * only once that resource exists; the engine resolves refs from state right before each call.
 */
export interface DesiredResource {
  address: string;
  kind: string;
  /** `customer/env/...`, `customer`, or '' for provider-wide; see Change.scope. */
  scope: string;
  /** Addresses that must exist first. Every Ref's target is added automatically. */
  dependsOn: string[];
  desired: unknown;
}

export interface Ref {
  $ref: string;
  attr: string;
}

export function ref(address: string, attr = 'id'): Ref {
  return { $ref: address, attr };
}

export function isRef(value: unknown): value is Ref {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Ref).$ref === 'string' &&
    typeof (value as Ref).attr === 'string' &&
    Object.keys(value).length === 2
  );
}

/** Every Ref inside a value, depth first. */
export function refsIn(value: unknown, out: Ref[] = []): Ref[] {
  if (isRef(value)) out.push(value);
  else if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) refsIn(v, out);
  return out;
}

/** All addresses a resource depends on: declared ones and Ref targets, sorted, without itself. */
export function dependenciesOf(r: DesiredResource): string[] {
  const all = new Set([...r.dependsOn, ...refsIn(r.desired).map((x) => x.$ref)]);
  all.delete(r.address);
  return [...all].sort();
}

/**
 * Replaces Refs by the target's attribute as `lookup` gives it. Targets `lookup` does not know
 * are listed in `unresolved` and left as Refs.
 */
export function resolveRefs(
  value: unknown,
  lookup: (address: string) => unknown,
): { value: unknown; unresolved: string[] } {
  const unresolved: string[] = [];
  const walk = (v: unknown): unknown => {
    if (isRef(v)) {
      const target = lookup(v.$ref);
      const attr =
        typeof target === 'object' && target !== null
          ? (target as Record<string, unknown>)[v.attr]
          : undefined;
      if (attr === undefined) {
        unresolved.push(v.$ref);
        return v;
      }
      return attr;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return { value: walk(value), unresolved };
}

/** Flattens a value into `path -> leaf` pairs, for showing what a create sets. */
export function flattenAttrs(value: unknown, prefix = ''): { path: string; value: unknown }[] {
  if (isRef(value) || typeof value !== 'object' || value === null) return [{ path: prefix, value }];
  const out: { path: string; value: unknown }[] = [];
  if (Array.isArray(value)) {
    if (value.length === 0) return [{ path: prefix, value }];
    value.forEach((v, i) => out.push(...flattenAttrs(v, `${prefix}[${i}]`)));
  } else {
    const entries = Object.entries(value);
    if (entries.length === 0) return [{ path: prefix, value }];
    for (const [k, v] of entries) out.push(...flattenAttrs(v, prefix ? `${prefix}.${k}` : k));
  }
  return out;
}
