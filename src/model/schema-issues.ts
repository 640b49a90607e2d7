// Maps zod issues to diagnostics at the YAML node they are about: a wrong value points at the
// value, an unknown field at its key, a missing field at the key of the mapping that lacks it.
import type { z } from 'zod';
import { error } from '../diag/index.js';
import type { Diagnostic, ErrorCode } from '../diag/index.js';
import { keyRange, locate, valueRange } from './yaml-file.js';
import type { NodePath, YamlFile } from './yaml-file.js';
import { closest } from './name-rules.js';
import { PuppetFloat, rubyFloatText } from '../puppet-types/index.js';

/** Parses the file's value with `schema`; every issue becomes one diagnostic with `code`. */
export function parseWithSchema<S extends z.ZodType>(
  y: YamlFile,
  schema: S,
  code: ErrorCode = 'SCHEMA',
): { value?: z.infer<S>; diagnostics: Diagnostic[] } {
  const value = y.value === null || y.value === undefined ? {} : y.value;
  if (typeof value !== 'object' || Array.isArray(value)) {
    return {
      diagnostics: [
        error(code, `expected a mapping at the top of the file, got ${describe(value)}`, {
          source: valueRange(y, []),
        }),
      ],
    };
  }
  // jitless: each schema parses a handful of files per process; compiling it costs more than it saves
  const r = schema.safeParse(value, { jitless: true });
  if (r.success) return { value: r.data as z.infer<S>, diagnostics: [] };
  const diagnostics: Diagnostic[] = [];
  for (const issue of r.error.issues) diagnostics.push(...issueDiagnostics(y, issue, schema, code));
  return { diagnostics };
}

function issueDiagnostics(
  y: YamlFile,
  issue: z.core.$ZodIssue,
  schema: z.ZodType,
  code: ErrorCode,
): Diagnostic[] {
  const path = issue.path as NodePath;
  const dotted = (p: NodePath) =>
    p
      .map((step, i) =>
        typeof step === 'number' ? `[${step}]` : i === 0 ? String(step) : `.${String(step)}`,
      )
      .join('');
  if (issue.code !== 'unrecognized_keys' && path.length > 0 && locate(y, path).depth < path.length) {
    const field = String(path[path.length - 1]);
    const owner = path.slice(0, -1);
    return [
      error(code, `missing required field '${field}'${owner.length ? ` in ${dotted(owner)}` : ''}`, {
        source: keyRange(y, owner),
      }),
    ];
  }
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const known = knownKeys(schema, path);
        const hint = closest(key, known);
        const summary = `unknown field '${key}'${path.length ? ` in ${dotted(path)}` : ''}${hint ? `; did you mean '${hint}'?` : ''}`;
        return error(code, summary, { source: keyRange(y, [...path, key]) });
      });
    case 'invalid_type': {
      const actual = valueAt(y.value, path);
      const custom = !issue.message.startsWith('Invalid input');
      // every number field of these files is an Integer; `2.0` reads as a Float, as in Puppet
      if (actual instanceof PuppetFloat && issue.expected === 'number') {
        const whole = String(actual.value);
        const summary = `${dotted(path)}: expected an integer, got ${describe(actual)} (write ${whole} for an integer)`;
        return [error(code, summary, { source: valueRange(y, path) })];
      }
      const summary = custom
        ? `${dotted(path)}: ${issue.message}, got ${describe(actual)}`
        : `${dotted(path)}: expected ${article(issue.expected)}, got ${describe(actual)}`;
      return [error(code, summary, { source: valueRange(y, path) })];
    }
    case 'invalid_key':
      return [error(code, `${dotted(path)}: invalid key`, { source: keyRange(y, path) })];
    case 'invalid_value': {
      const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
      const custom = !issue.message.startsWith('Invalid');
      const summary = custom
        ? issue.message
        : `${dotted(path)}: expected one of ${allowed}, got ${describe(valueAt(y.value, path))}`;
      return [error(code, summary, { source: valueRange(y, path) })];
    }
    case 'too_small':
    case 'too_big': {
      const what = issue.origin === 'array' ? 'entries' : issue.origin === 'string' ? 'characters' : '';
      const bound =
        issue.code === 'too_small' ? `at least ${String(issue.minimum)}` : `at most ${String(issue.maximum)}`;
      const summary = what
        ? `${dotted(path)}: expected ${bound} ${what}`
        : `${dotted(path)}: expected a number ${bound}, got ${describe(valueAt(y.value, path))}`;
      return [error(code, summary, { source: valueRange(y, path) })];
    }
    case 'invalid_union':
      return [
        error(
          code,
          `${dotted(path)}: ${describe(valueAt(y.value, path))} matches none of the allowed forms`,
          { source: valueRange(y, path) },
        ),
      ];
    case 'invalid_format':
    case 'not_multiple_of':
    case 'invalid_element':
    case 'custom': {
      const prefix = path.length ? `${dotted(path)}: ` : '';
      return [error(code, `${prefix}${issue.message}`, { source: valueRange(y, path) })];
    }
  }
}

function valueAt(root: unknown, path: NodePath): unknown {
  let v = root;
  for (const step of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[step];
  }
  return v;
}

function article(expected: string): string {
  if (expected === 'int') return 'an integer';
  if (expected === 'object') return 'a mapping';
  if (expected === 'array') return 'a list';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** How a YAML value reads in a message: its kind, and the value when short. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return `a timestamp (quote it to keep it a string)`;
  if (v instanceof PuppetFloat) return `float ${rubyFloatText(v.value)}`;
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'number') return `${Number.isInteger(v) ? 'integer' : 'number'} ${String(v)}`;
  if (typeof v === 'boolean') return `boolean ${String(v)}`;
  return typeof v;
}

/** The field names a strict object at `path` of `schema` accepts (for "did you mean"). */
function knownKeys(schema: z.ZodType, path: NodePath): string[] {
  let s: unknown = schema;
  for (const step of [...path, null]) {
    s = unwrap(s);
    const def = (
      s as {
        def?: { type?: string; shape?: Record<string, unknown>; valueType?: unknown; element?: unknown };
      }
    ).def;
    if (!def) return [];
    if (step === null) return def.shape ? Object.keys(def.shape) : [];
    if (def.type === 'object' && def.shape) s = def.shape[String(step)];
    else if (def.type === 'record') s = def.valueType;
    else if (def.type === 'array') s = def.element;
    else return [];
  }
  return [];
}

function unwrap(s: unknown): unknown {
  let cur = s as { def?: { type?: string; innerType?: unknown; in?: unknown } } | undefined;
  for (let i = 0; i < 10 && cur?.def; i++) {
    const t = cur.def.type;
    if (t === 'optional' || t === 'default' || t === 'nullable' || t === 'prefault' || t === 'readonly')
      cur = cur.def.innerType as typeof cur;
    else if (t === 'pipe') cur = cur.def.in as typeof cur;
    else break;
  }
  return cur;
}
