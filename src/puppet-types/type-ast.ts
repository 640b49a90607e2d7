/**
 * The parsed form of a Puppet data type. Plain, immutable data: parse results are cached and
 * shared, so nothing may mutate a PType after `parseType` returned it.
 *
 * Bounds follow Puppet: `undefined` means `default` (unbounded). For String, Array, Hash and
 * Tuple the bounds are sizes; for Integer and Float they are values.
 */
export type PType =
  | { readonly kind: 'Any' }
  | { readonly kind: 'Scalar' }
  | { readonly kind: 'ScalarData' }
  | { readonly kind: 'Data' }
  | { readonly kind: 'Default' }
  | { readonly kind: 'Numeric' }
  | { readonly kind: 'Boolean' }
  | { readonly kind: 'Undef' }
  | { readonly kind: 'String'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'Integer'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'Float'; readonly min?: number; readonly max?: number }
  /** `type` undefined: `Optional` without parameter, which accepts anything. */
  | { readonly kind: 'Optional'; readonly type?: PType }
  | { readonly kind: 'NotUndef'; readonly type?: PType }
  /** A secret: checked as its inner type; Aare shows the value only to the VM (docs/hiera-eyaml.md). */
  | { readonly kind: 'Sensitive'; readonly type?: PType }
  | { readonly kind: 'Enum'; readonly values: readonly string[]; readonly caseInsensitive: boolean }
  | { readonly kind: 'Pattern'; readonly patterns: readonly PatternSource[] }
  | { readonly kind: 'Array'; readonly element?: PType; readonly min?: number; readonly max?: number }
  | {
      readonly kind: 'Hash';
      readonly key?: PType;
      readonly value?: PType;
      readonly min?: number;
      readonly max?: number;
    }
  | { readonly kind: 'Struct'; readonly entries: readonly StructEntry[] }
  /** Size bounds undefined: exactly as many elements as types. Extra elements match the last type. */
  | { readonly kind: 'Tuple'; readonly types: readonly PType[]; readonly min?: number; readonly max?: number }
  | { readonly kind: 'Variant'; readonly types: readonly PType[] }
  /** A type alias declared in the control repository, e.g. `Aare::Port`, resolved when checking. */
  | { readonly kind: 'Alias'; readonly name: string };

export type PTypeKind = PType['kind'];

export interface PatternSource {
  /** The regular expression as written between the slashes (Ruby syntax). */
  readonly source: string;
  /** The same expression translated to JavaScript. */
  readonly regexp: RegExp;
}

export interface StructEntry {
  readonly name: string;
  /**
   * How the key was written: `'a'`, `Optional['a']` or `NotUndef['a']`. A plain key whose value
   * type accepts undef may be missing, as in Puppet.
   */
  readonly keyForm: 'plain' | 'Optional' | 'NotUndef';
  readonly value: PType;
}

export type TypeOf<K extends PTypeKind> = Extract<PType, { kind: K }>;

export const ANY: PType = { kind: 'Any' };
export const UNDEF: PType = { kind: 'Undef' };

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
