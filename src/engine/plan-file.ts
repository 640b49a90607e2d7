import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { DiagnosticsError, error } from '../diag/index.js';
import type { Plan } from './plan-types.js';

const changeSchema = z.object({
  address: z.string(),
  kind: z.string(),
  scope: z.string(),
  endpoint: z.string(),
  action: z.enum(['create', 'update', 'replace', 'delete', 'noop']),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  attrs: z.array(z.object({ path: z.string(), before: z.unknown(), after: z.unknown() })),
  reasons: z.array(z.string()),
  dependsOn: z.array(z.string()),
  adopt: z.boolean().optional(),
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

/** Reads a plan file; a missing or malformed file is a diagnostic naming the field. */
export function readPlanFile(file: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DiagnosticsError([
      error('IO_ERROR', `cannot read plan file ${file}: ${err instanceof Error ? err.message : String(err)}`),
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
