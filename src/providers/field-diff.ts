import type { DriverDiff } from '../engine/index.js';

/**
 * The field-by-field diff drivers share: desired shapes and states are flat records with the same
 * field names (states add `id`), and each driver names the fields it compares and which of them
 * cannot change in place.
 */
export type Fields = Record<string, unknown> & { id?: string };

export interface FieldRule {
  /** Present: a change of this field cannot be made in place; the reason shown in the plan. */
  replace?: string;
  /** Compare order-insensitively (arrays of primitives or of objects). */
  set?: boolean;
}

/** Field-by-field diff of the desired fields against the state; fields not in `rules` are ignored. */
export function diffFields(desired: Fields, actual: Fields, rules: Record<string, FieldRule>): DriverDiff {
  const changes: DriverDiff['changes'] = [];
  const reasons: string[] = [];
  for (const [path, rule] of Object.entries(rules)) {
    if (!(path in desired)) continue;
    const norm = (v: unknown) =>
      rule.set && Array.isArray(v)
        ? JSON.stringify(v.map((x) => JSON.stringify(x)).sort())
        : JSON.stringify(v ?? null);
    if (norm(desired[path]) === norm(actual[path])) continue;
    changes.push({
      path,
      before: actual[path],
      after: desired[path],
      ...(rule.replace ? { forcesReplacement: true } : {}),
    });
    if (rule.replace) reasons.push(rule.replace);
  }
  return { changes, replace: reasons.length > 0, reasons };
}
