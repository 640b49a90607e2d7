// The renderers of plans and engine events for plan, apply and destroy: NDJSON on stdout, or
// human text (colours on a terminal). The symbols are the engine's `actionSymbols`, which the
// web UI shows too.
import { colors as pc } from './cli-color.js';
import { actionSymbols, countActions } from '../engine/index.js';
import type { Action, Change, EngineEvent, OpKind, Plan } from '../engine/index.js';
import { printDiagnostics } from './cli-run.js';

const colour: Record<Action, (s: string) => string> = {
  create: pc.green,
  update: pc.yellow,
  replace: pc.magenta,
  delete: pc.red,
  noop: (s) => s,
};

export type PlanOutput = ReturnType<typeof planOutput>;

export function planOutput(json: boolean) {
  const tty = !json && process.stdout.isTTY === true;
  const write = (line: string) => process.stdout.write(line + '\n');
  const ndjson = (obj: unknown) => write(JSON.stringify(obj));
  return {
    json,
    onEvent(e: EngineEvent): void {
      if (json) {
        ndjson(e);
        return;
      }
      switch (e.type) {
        case 'resource.pre':
          if (tty) write(pc.dim(`  ${opSymbol(e.op)} ${e.address}: ${verb[e.op]}...`));
          return;
        case 'resource.done':
          write(`  ${opSymbol(e.op)} ${e.address}: ${past[e.op]} (${(e.ms / 1000).toFixed(1)}s)`);
          return;
        case 'resource.failed':
          write(pc.red(`  ! ${e.address}: ${e.op} failed: ${e.diagnostic.summary}`));
          return;
        case 'resource.skipped':
          write(pc.dim(`  - ${e.address}: ${e.op} skipped (${e.reason})`));
          return;
        case 'recovered':
          write(pc.dim(`  recovered ${e.address} from an interrupted apply: ${e.outcome}`));
          return;
        case 'apply.start':
          write(`Applying plan ${e.planId}: ${e.operations} operation${e.operations === 1 ? '' : 's'}`);
          return;
        case 'summary':
          write(
            `Apply ${e.failed === 0 && e.skipped === 0 ? 'complete' : 'incomplete'}: ` +
              `${e.done} done, ${e.failed} failed, ${e.skipped} skipped in ${(e.ms / 1000).toFixed(1)}s`,
          );
          return;
        case 'diagnostic':
          printDiagnostics([e.diagnostic]);
          return;
        case 'plan.start':
        case 'refresh.done':
        case 'plan.done':
          return;
      }
    },
    plan(plan: Plan, file?: string): void {
      const changes = plan.changes
        .filter((c) => c.action !== 'noop' || c.adopt)
        .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
      const counts = countActions(plan.changes);
      if (json) {
        for (const c of changes)
          ndjson({ type: 'change', symbol: actionSymbols[c.action], ...withoutSecrets(c) });
        ndjson({
          type: 'plan',
          id: plan.id,
          stateSerial: plan.stateSerial,
          counts,
          ...(file ? { file } : {}),
        });
        return;
      }
      if (changes.length === 0) {
        write(`No changes. The cloud matches the control repository (${counts.noop} resources).`);
        return;
      }
      for (const c of changes) write(renderChange(c, tty));
      write('');
      write(
        `Plan: ${counts.create} to create, ${counts.update} to update, ${counts.replace} to replace, ` +
          `${counts.delete} to delete (${counts.noop} unchanged).` +
          (file ? ` Stored in ${file}; apply it with \`aare apply ${file}\`.` : ''),
      );
    },
    /** Diagnostics of an apply: NDJSON lines, or on stderr. */
    diagnostics(diagnostics: Parameters<typeof printDiagnostics>[0]): void {
      if (json) for (const d of diagnostics) ndjson({ type: 'diagnostic', diagnostic: d });
      else printDiagnostics(diagnostics);
    },
  };
}

function renderChange(c: Change, tty: boolean): string {
  const paint = tty ? colour[c.action] : (s: string) => s;
  const head =
    paint(`${actionSymbols[c.action]} ${c.address}`) +
    (c.adopt ? ' (adopt: exists but was not recorded)' : '');
  const lines = [head];
  if (c.action !== 'create') {
    for (const a of c.attrs) {
      if (a.path === 'userData') continue;
      lines.push(`      ${a.path}: ${short(a.before)} -> ${short(a.after)}`);
    }
  }
  for (const r of c.reasons) lines.push(`      # ${r}`);
  return lines.join('\n');
}

function short(v: unknown): string {
  if (v === undefined) return '(none)';
  if (typeof v === 'object' && v !== null && '$ref' in v)
    return `(known after apply: ${(v as { $ref: string }).$ref})`;
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** User-data can carry secrets; NDJSON shows its hash only (the plan file keeps it for apply). */
function withoutSecrets(c: Change): Change {
  const strip = (v: unknown) =>
    typeof v === 'object' && v !== null && 'userData' in v
      ? { ...(v as object), userData: '(see userDataSha256)' }
      : v;
  return { ...c, after: strip(c.after), attrs: c.attrs.filter((a) => a.path !== 'userData') };
}

/** An apply step's symbol: the action's, and `=` for recording what exists. */
function opSymbol(op: OpKind): string {
  return op === 'record' ? '=' : actionSymbols[op];
}
const verb: Record<OpKind, string> = {
  create: 'creating',
  update: 'updating',
  delete: 'deleting',
  record: 'recording',
};
const past: Record<OpKind, string> = {
  create: 'created',
  update: 'updated',
  delete: 'deleted',
  record: 'recorded',
};
