// `aare plan`: refresh and diff the cloud against the control repository; show, and optionally
// store, the plan. Exit codes as Terraform's: 0 no changes, 1 error, 2 changes (with
// --detailed-exitcode). Also the shared renderers of plans and engine events for apply/destroy.
import type { Command } from 'commander';
import pc from 'picocolors';
import { action, EXIT, printDiagnostics, UsageError } from '../cli-run.js';
import { DiagnosticsError, hasErrors } from '../../diag/index.js';
import type { Action, Change, EngineEvent, Plan, PlanFilter } from '../../engine/index.js';
import type { EngineSession } from '../../app/index.js';

export function register(program: Command): void {
  program
    .command('plan')
    .description('show what apply would create, update, replace or delete in OpenStack')
    .option('--repo <dir>', 'the control repository', '.')
    .option('--customer <name>', 'only this customer')
    .option('--env <name>', 'only this environment of the customer')
    .option('--json', 'NDJSON: engine events, one line per change, then the plan summary')
    .option('--out <file>', 'store the plan, for `aare apply FILE`')
    .option('--detailed-exitcode', 'exit 2 when there are changes (0 none, 1 error)')
    .action(
      action(async (opts: PlanOptions & { out?: string; detailedExitcode?: boolean }) => {
        const filter = filterOf(opts);
        const out = output(!!opts.json);
        const session = await openSession(opts.repo, out.onEvent);
        try {
          const plan = await planWith(session, filter, 'apply');
          const { writePlanFile, hasChanges } = await import('../../engine/index.js');
          if (opts.out) writePlanFile(opts.out, plan);
          out.plan(plan, opts.out);
          return hasChanges(plan) && opts.detailedExitcode ? 2 : EXIT.ok;
        } finally {
          await session.close();
        }
      }),
    );
}

export interface PlanOptions {
  repo: string;
  customer?: string;
  env?: string;
  json?: boolean;
}

export function filterOf(opts: { customer?: string; env?: string }): PlanFilter {
  if (opts.env && !opts.customer) throw new UsageError('--env needs --customer');
  return { ...(opts.customer ? { customer: opts.customer } : {}), ...(opts.env ? { env: opts.env } : {}) };
}

export async function openSession(
  repoDir: string,
  onEvent: (e: EngineEvent) => void,
  signal?: AbortSignal,
): Promise<EngineSession> {
  const { openEngineSession } = await import('../../app/index.js');
  return openEngineSession({ controlRepoDir: repoDir, onEvent, ...(signal ? { signal } : {}) });
}

/** Desired resources + plan; diagnostics (model, compile, refresh) end the command. */
export async function planWith(
  session: EngineSession,
  filter: PlanFilter,
  mode: 'apply' | 'destroy',
): Promise<Plan> {
  const { makePlan } = await import('../../engine/index.js');
  const desired = mode === 'destroy' ? { value: [], diagnostics: [] } : await session.desired(filter);
  if (hasErrors(desired.diagnostics)) throw new DiagnosticsError(desired.diagnostics);
  if (desired.diagnostics.length > 0) printDiagnostics(desired.diagnostics);
  const planned = await makePlan(session.ctx, { desired: desired.value, filter, mode });
  if (!planned.value || hasErrors(planned.diagnostics)) throw new DiagnosticsError(planned.diagnostics);
  return planned.value;
}

const symbols: Record<Action, string> = { create: '+', update: '~', replace: '±', delete: '-', noop: ' ' };
const colour: Record<Action, (s: string) => string> = {
  create: pc.green,
  update: pc.yellow,
  replace: pc.magenta,
  delete: pc.red,
  noop: (s) => s,
};

/** The renderers of one command run: NDJSON on stdout, or human text (colours on a TTY). */
export function output(json: boolean) {
  const tty = !json && process.stdout.isTTY === true;
  const write = (line: string) => process.stdout.write(line + '\n');
  const ndjson = (obj: unknown) => write(JSON.stringify(obj));
  const started = new Map<string, number>();
  return {
    json,
    onEvent(e: EngineEvent): void {
      if (json) {
        ndjson(e);
        return;
      }
      switch (e.type) {
        case 'resource.pre':
          started.set(`${e.op}:${e.address}`, Date.now());
          if (tty) write(pc.dim(`  ${opSymbol(e.op)} ${e.address}: ${verb(e.op)}...`));
          return;
        case 'resource.done':
          write(`  ${opSymbol(e.op)} ${e.address}: ${past(e.op)} (${(e.ms / 1000).toFixed(1)}s)`);
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
      const counts = countOf(plan.changes);
      if (json) {
        for (const c of changes) ndjson({ type: 'change', symbol: symbols[c.action], ...withoutSecrets(c) });
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
  };
}

function renderChange(c: Change, tty: boolean): string {
  const paint = tty ? colour[c.action] : (s: string) => s;
  const head =
    paint(`${symbols[c.action]} ${c.address}`) + (c.adopt ? ' (adopt: exists but was not recorded)' : '');
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

function countOf(changes: readonly Change[]): Record<Action, number> {
  const n: Record<Action, number> = { create: 0, update: 0, replace: 0, delete: 0, noop: 0 };
  for (const c of changes) n[c.action]++;
  return n;
}

function opSymbol(op: string): string {
  return op === 'create' ? '+' : op === 'update' ? '~' : op === 'delete' ? '-' : '=';
}
function verb(op: string): string {
  return op === 'create'
    ? 'creating'
    : op === 'update'
      ? 'updating'
      : op === 'delete'
        ? 'deleting'
        : 'recording';
}
function past(op: string): string {
  return op === 'create' ? 'created' : op === 'update' ? 'updated' : op === 'delete' ? 'deleted' : 'recorded';
}

/** Asks for `yes` on a TTY; without one, --yes is required. */
export async function confirm(question: string, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY)
    throw new UsageError('not asking on a non-interactive terminal: pass --yes to apply');
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} Only 'yes' is accepted: `);
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}

/** An AbortController that the first Ctrl-C fires (the apply stops starting new calls). */
export function interruptible(): AbortController {
  const ac = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('aare: interrupted: finishing the calls in flight, starting no new ones\n');
    ac.abort();
  });
  return ac;
}
