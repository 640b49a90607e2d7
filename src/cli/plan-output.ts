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

/**
 * Where the renderer writes; the process's streams unless a test gives its own. `progress` is the
 * terminal refresh progress goes to (stderr when it is a terminal), or none.
 */
export interface PlanOutputStreams {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  progress?: { write(text: string): unknown };
}

export function planOutput(json: boolean, streams?: PlanOutputStreams) {
  const stdout = streams?.stdout ?? process.stdout;
  const progress = streams
    ? streams.progress
    : !json && process.stderr.isTTY === true
      ? process.stderr
      : undefined;
  const tty = !json && stdout.isTTY === true;
  const write = (line: string) => void stdout.write(line + '\n');
  const ndjson = (obj: unknown) => write(JSON.stringify(obj));
  // a refresh of a large repository takes many seconds: one line on the terminal, rewritten
  let progressShown = false;
  const showProgress = (text: string | undefined) => {
    if (!progress) return;
    if (text === undefined) {
      if (progressShown) progress.write('\r\x1b[K');
      progressShown = false;
      return;
    }
    progress.write(`\r\x1b[K${text}`);
    progressShown = true;
  };
  return {
    json,
    onEvent(e: EngineEvent): void {
      if (json) {
        ndjson(e);
        return;
      }
      switch (e.type) {
        case 'refresh.start':
          showProgress(`Refreshing… 0/${e.resources} resources`);
          return;
        case 'refresh.progress':
          showProgress(`Refreshing… ${e.done}/${e.total} resources (${e.kind})`);
          return;
        case 'refresh.done':
          showProgress(undefined);
          return;
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

/**
 * One change as Terraform shows it: a create lists what it sets (`name = value`: the driver's
 * display, else the desired shape); an update or replace lists `path: before -> after`, a replace
 * marks the attributes that force it, then the display values that changed since the last apply
 * (e.g. parameters inside user-data), then the reasons.
 */
export function renderChange(c: Change, tty = false): string {
  const paint = tty ? colour[c.action] : (s: string) => s;
  const dim = tty ? pc.dim : (s: string) => s;
  const head =
    paint(`${actionSymbols[c.action]} ${c.address}`) +
    (c.adopt ? ' (adopt: exists but was not recorded)' : '');
  const lines = [head];
  if (c.action === 'create') {
    const shown = c.display
      ? Object.entries(c.display).map(([k, v]) => ({ path: k, value: v }))
      : c.attrs.filter((a) => !hidden(a.path)).map((a) => ({ path: a.path, value: a.after }));
    const width = Math.min(24, Math.max(0, ...shown.map((a) => a.path.length)));
    for (const a of shown) lines.push(`      ${a.path.padEnd(width)} = ${shownValue(a.value)}`);
  } else {
    for (const a of c.attrs) {
      if (hidden(a.path)) continue;
      const forces = a.forcesReplacement && c.action === 'replace' ? paint(' # forces replacement') : '';
      lines.push(`      ${a.path}: ${short(a.before)} -> ${short(a.after)}${forces}`);
    }
    for (const a of c.displayChanges ?? []) {
      if (c.attrs.some((x) => x.path === a.path)) continue;
      lines.push(`      ${a.path}: ${short(a.before)} -> ${short(a.after)}`);
    }
  }
  for (const r of c.reasons) lines.push(dim(`      # ${r}`));
  return lines.join('\n');
}

/** Raw user-data is never printed (it may carry secret tokens); its digest stands for it. */
const hidden = (path: string) => path === 'userData';

/** A display value of a create: a map shows as its size; its entries show when they change. */
function shownValue(v: unknown): string {
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && !('$ref' in v)) {
    const n = Object.keys(v).length;
    return `(${n} value${n === 1 ? '' : 's'})`;
  }
  if (typeof v === 'string' && v.startsWith('sha256:')) return v;
  return short(v, 200);
}

function short(v: unknown, max = 80): string {
  if (v === undefined) return '(none)';
  if (typeof v === 'object' && v !== null && '$ref' in v)
    return `(known after apply: ${(v as { $ref: string }).$ref})`;
  const s = JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/**
 * User-data can carry secrets; NDJSON shows neither the desired nor an observed one (the plan
 * file keeps it for apply).
 */
function withoutSecrets(c: Change): Change {
  const strip = (v: unknown) =>
    typeof v === 'object' && v !== null && 'userData' in v
      ? { ...(v as object), userData: '(see userDataSha256)' }
      : v;
  return {
    ...c,
    ...(c.before !== undefined ? { before: strip(c.before) } : {}),
    ...(c.after !== undefined ? { after: strip(c.after) } : {}),
    attrs: c.attrs.filter((a) => !hidden(a.path)),
  };
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
