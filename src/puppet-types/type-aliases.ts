import { assertNever, type PType } from './type-ast.js';

/**
 * The alias names `t` refers to, each once, in order of appearance (not following the aliases
 * themselves): what a loader checks against the aliases the control repository declares.
 */
export function typeAliasNames(t: PType): string[] {
  const names = new Set<string>();
  collect(t, names);
  return [...names];
}

function collect(t: PType, names: Set<string>): void {
  switch (t.kind) {
    case 'Alias':
      names.add(t.name);
      return;
    case 'Optional':
    case 'NotUndef':
    case 'Sensitive':
      if (t.type) collect(t.type, names);
      return;
    case 'Array':
      if (t.element) collect(t.element, names);
      return;
    case 'Hash':
      if (t.key) collect(t.key, names);
      if (t.value) collect(t.value, names);
      return;
    case 'Struct':
      for (const e of t.entries) collect(e.value, names);
      return;
    case 'Tuple':
    case 'Variant':
      for (const m of t.types) collect(m, names);
      return;
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
      return;
    default:
      assertNever(t);
  }
}
