// Secret parameters: a value decrypted from hiera-eyaml or declared `Sensitive[...]` reaches the
// VM (user-data, ENC) and nothing else. What compile shows anywhere else carries
// `[sensitive] sha256:<12 hex>` instead (docs/hiera-eyaml.md, "Sensitive stays sensitive").
import { redactedSecret } from '../hiera/index.js';
import { PuppetFloat, rubyFloatText } from '../puppet-types/index.js';
import type { PType } from '../puppet-types/index.js';

/**
 * Shorter strings are not searched for in text (user-data shown outside the VM): replacing a
 * one- or two-character secret everywhere would mangle the text and tell more than it hides.
 */
export const MIN_REDACTED_LENGTH = 4;

/** Whether a parameter of this type is a secret: `Sensitive[...]`, also inside Optional/NotUndef or an alias. */
export function isSensitiveType(t: PType, aliases: ReadonlyMap<string, PType>, depth = 0): boolean {
  if (depth > 32) return false;
  if (t.kind === 'Sensitive') return true;
  if (t.kind === 'Optional' || t.kind === 'NotUndef')
    return t.type !== undefined && isSensitiveType(t.type, aliases, depth + 1);
  if (t.kind === 'Alias') {
    const target = aliases.get(t.name);
    return target !== undefined && isSensitiveType(target, aliases, depth + 1);
  }
  return false;
}

/** Every string inside secret values (what a text could contain), from `minLength` on, longest first. */
export function secretStrings(values: readonly unknown[], minLength = MIN_REDACTED_LENGTH): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.length >= minLength) out.add(v);
    } else if (typeof v === 'number' || typeof v === 'boolean') {
      const s = String(v);
      if (s.length >= minLength) out.add(s);
    } else if (v instanceof PuppetFloat) {
      // a template writes a whole-number Float as `4.0`, the ENC too
      for (const s of [rubyFloatText(v.value), String(v.value)]) if (s.length >= minLength) out.add(s);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  values.forEach(walk);
  // longest first, so a secret that contains another is replaced whole
  return [...out].sort((a, b) => b.length - a.length);
}

/** `text` with each secret string replaced by its redacted form. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(redactedSecret(s));
  return out;
}

/**
 * A message about a secret value with the value redacted: long strings anywhere, short ones where
 * a message quotes them (`got 'ab'`).
 */
export function redactMessage(text: string, value: unknown): string {
  const short = secretStrings([value], 1)
    .filter((s) => s.length < MIN_REDACTED_LENGTH)
    .map((s) => `'${s}'`);
  return redactText(text, [...secretStrings([value]), ...short]);
}

export { redactedSecret };

/** What of a compiled VM is secret: set by compile, read with `sensitiveOf`. */
export interface VmSecrets {
  /** Every string of every secret parameter (as `secretStrings`). */
  strings: readonly string[];
  /** The ENC's secret class parameters: `[puppet class, parameter]`. */
  encParameters: readonly (readonly [string, string])[];
}

const SECRETS = Symbol('aare.compile.secrets');
const NONE: VmSecrets = { strings: [], encParameters: [] };

/**
 * Attaches `secrets` to a compiled VM as a symbol-keyed property: JSON.stringify, structured
 * clone (worker threads) and object spread all leave it behind, so the plaintexts never travel
 * with a copy of the VM by accident.
 */
export function attachSecrets<T extends object>(vm: T, secrets: VmSecrets): T {
  if (secrets.encParameters.length > 0) Object.defineProperty(vm, SECRETS, { value: secrets });
  return vm;
}

/** The secrets of a compiled VM (none for a VM without secret parameters). */
export function sensitiveOf(vm: object): VmSecrets {
  return (vm as { [SECRETS]?: VmSecrets })[SECRETS] ?? NONE;
}
