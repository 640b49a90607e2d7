import { assertNever, type PType } from './type-ast.js';

/** Puppet's spelling of a type, as `puppet` prints it: `Integer[1, 64]`, `Optional[String]`. */
export function formatType(t: PType): string {
  return formatTypeWith(t, (name) => name);
}

/** `formatType`, with aliases spelled by `alias` (Puppet expands an alias's definition in messages). */
export function formatTypeWith(t: PType, alias: (name: string) => string): string {
  const formatType = (x: PType): string => formatTypeWith(x, alias);
  switch (t.kind) {
    case 'Any':
    case 'Scalar':
    case 'ScalarData':
    case 'Data':
    case 'Default':
    case 'Numeric':
    case 'Boolean':
    case 'Undef':
      return t.kind;
    case 'Alias':
      return alias(t.name);
    case 'String':
      if (t.max !== undefined) return `String[${t.min ?? 0}, ${t.max}]`;
      return t.min !== undefined ? `String[${t.min}]` : 'String';
    case 'Integer':
    case 'Float': {
      const f = t.kind === 'Float' ? rubyFloat : String;
      if (t.max !== undefined) return `${t.kind}[${t.min === undefined ? 'default' : f(t.min)}, ${f(t.max)}]`;
      return t.min === undefined ? t.kind : `${t.kind}[${f(t.min)}]`;
    }
    case 'Optional':
    case 'NotUndef':
    case 'Sensitive':
      return t.type ? `${t.kind}[${formatType(t.type)}]` : t.kind;
    case 'Enum':
      return `Enum[${t.values.map(quote).join(', ')}${t.caseInsensitive ? ', true' : ''}]`;
    case 'Pattern':
      return t.patterns.length ? `Pattern[${t.patterns.map((p) => `/${p.source}/`).join(', ')}]` : 'Pattern';
    case 'Array': {
      const sizes = formatSizes(t.min, t.max);
      if (!t.element && !sizes) return 'Array';
      return `Array[${t.element ? formatType(t.element) : 'Any'}${sizes}]`;
    }
    case 'Hash': {
      const sizes = formatSizes(t.min, t.max);
      if (!t.key && !t.value && !sizes) return 'Hash';
      const k = t.key ? formatType(t.key) : 'Any';
      const v = t.value ? formatType(t.value) : 'Any';
      return `Hash[${k}, ${v}${sizes}]`;
    }
    case 'Struct': {
      if (t.entries.length === 0) return 'Struct';
      const entries = t.entries.map((e) => {
        const key = e.keyForm === 'plain' ? quote(e.name) : `${e.keyForm}[${quote(e.name)}]`;
        return `${key} => ${formatType(e.value)}`;
      });
      return `Struct[{${entries.join(', ')}}]`;
    }
    case 'Tuple': {
      const parts = t.types.map(formatType);
      if (t.min !== undefined || t.max !== undefined) parts.push(String(t.min ?? 0));
      if (t.max !== undefined) parts.push(String(t.max));
      return parts.length ? `Tuple[${parts.join(', ')}]` : 'Tuple';
    }
    case 'Variant':
      return `Variant[${t.types.map(formatType).join(', ')}]`;
    default:
      return assertNever(t);
  }
}

function formatSizes(min: number | undefined, max: number | undefined): string {
  if (max !== undefined) return `, ${min ?? 0}, ${max}`;
  return min !== undefined ? `, ${min}` : '';
}

/** A string as Puppet quotes it in a type: single quotes, `\` and `'` escaped. */
export function quote(s: string): string {
  return `'${s.replace(/[\\']/g, (c) => '\\' + c)}'`;
}

/** Ruby's Float#to_s: `1.0`, `2.5`, `1.0e+20`. */
export function rubyFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : n < 0 ? '-Infinity' : 'NaN';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    const [mant = '', exp = ''] = n.toExponential().split('e');
    const m = mant.includes('.') ? mant : `${mant}.0`;
    const e = exp.startsWith('-') ? exp : `+${exp.replace('+', '')}`;
    return `${m}e${e.length === 2 ? e[0] + '0' + e[1] : e}`;
  }
  const s = String(n);
  return s.includes('.') ? s : `${s}.0`;
}
