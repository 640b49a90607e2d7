import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { DiagnosticsError, error } from '../diag/index.js';
import type { Plan } from './plan-types.js';

// JSON drops an `undefined` value: a create's attribute has no `before` in the file
const attrSchema = z.object({
  path: z.string(),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  forcesReplacement: z.boolean().optional(),
});

const changeSchema = z.object({
  address: z.string(),
  kind: z.string(),
  scope: z.string(),
  endpoint: z.string(),
  action: z.enum(['create', 'update', 'replace', 'delete', 'noop']),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  attrs: z.array(attrSchema),
  reasons: z.array(z.string()),
  dependsOn: z.array(z.string()),
  adopt: z.boolean().optional(),
  display: z.record(z.string(), z.unknown()).optional(),
  displayChanges: z.array(attrSchema).optional(),
});

const planSchema = z.object({
  format: z.literal('aare-plan/1'),
  id: z.string(),
  createdAt: z.string(),
  filter: z.object({ customer: z.string().optional(), env: z.string().optional() }),
  mode: z.enum(['apply', 'destroy']),
  stateSerial: z.record(z.string(), z.number()),
  changes: z.array(changeSchema),
});

/** Writes a plan as JSON, atomically (temp file + rename). */
export function writePlanFile(file: string, plan: Plan): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(plan, null, 1) + '\n');
  renameSync(tmp, file);
}

/**
 * Reads a plan file; a missing file names it, broken JSON names its line and column, a value that
 * is not a plan names the field.
 */
export function readPlanFile(file: string): Plan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DiagnosticsError([
      error('IO_ERROR', `cannot read plan file ${file}: ${err instanceof Error ? err.message : String(err)}`),
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    const offset = Math.max(0, jsonErrorOffset(text));
    throw new DiagnosticsError([
      error(
        'JSON_SYNTAX',
        offset >= text.length ? `${file} ends in the middle of the plan` : `${file} is not valid JSON`,
        { source: { file, start: positionOf(text, offset) } },
      ),
    ]);
  }
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success) {
    throw new DiagnosticsError(
      parsed.error.issues.map((i) =>
        error('SCHEMA', `${file} is not an Aare plan: ${i.message}`, { field: i.path.join('.') || '(root)' }),
      ),
    );
  }
  return parsed.data as Plan;
}

/** 1-based line and column of `offset` in `text`. */
function positionOf(text: string, offset: number): { line: number; col: number; offset: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n'), offset };
}

/**
 * Where `text` stops being JSON (RFC 8259): the offset of the first character that cannot
 * continue it, `text.length` when it ends early. JSON.parse says where only in its message,
 * whose wording differs between Node versions; this scanner says it the same everywhere.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (at: number): never => {
    throw at;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const lit = (word: string) => {
    for (const ch of word) if (text[i++] !== ch) fail(i - 1);
  };
  const str = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) fail(i);
      const ch = text[i]!;
      if (ch === '"') return void i++;
      if (ch < ' ') fail(i);
      if (ch === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail(i);
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail(i + 1);
      } else i++;
    }
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m || m[0] === '-') fail(i);
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === undefined) fail(i);
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail(i);
        str();
        ws();
        if (text[i] !== ':') fail(i);
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail(i);
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail(i);
      }
    }
    if (ch === '"') return str();
    if (ch === 't') return lit('true');
    if (ch === 'f') return lit('false');
    if (ch === 'n') return lit('null');
    num();
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    if (typeof at !== 'number') throw at;
    return Math.min(at, text.length);
  }
}
