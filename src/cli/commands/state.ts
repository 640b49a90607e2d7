// `aare state list|show`: what Aare manages, as the last apply recorded it (docs/engine.md,
// "State and crash safety"). Reads the store only: no cloud is asked, nothing is written.
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { DiagnosticsError, error } from '../../diag/index.js';
import type { ResourceRecord } from '../../engine/index.js';
import { action, EXIT } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, requireControlRepoDir, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';
import { renderTable } from '../cli-table.js';
import type { PlanFlags } from '../plan-run.js';

export function register(program: Command): void {
  const state = program
    .command('state')
    .description('the resources Aare manages, as the last apply recorded them');
  state
    .command('list')
    .description('list the recorded resources: address, kind, id at the provider, last applied')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--customer <name>', 'only this customer')
    .option('--env <name>', 'only this environment of the customer')
    .option('--json', 'print a JSON array')
    .action(
      action(async (opts: PlanFlags) => {
        const { filterOf } = await import('../plan-run.js');
        const { inFilter } = await import('../../engine/index.js');
        const filter = filterOf(opts);
        const records = (await recorded(opts)).filter((r) => inFilter(r.scope, filter));
        const rows = records.map((r) => ({
          address: r.address,
          kind: r.kind,
          id: idOf(r),
          lastApplied: r.updatedAt ?? null,
        }));
        if (opts.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
          return EXIT.ok;
        }
        if (rows.length === 0) {
          process.stdout.write('No resources recorded' + (filter.customer ? ' in this scope.\n' : '.\n'));
          return EXIT.ok;
        }
        const cells = rows.map((r) => [r.address, r.kind, r.id ?? '-', r.lastApplied ?? '-']);
        process.stdout.write(
          (await renderTable(['address', 'kind', 'id', 'last applied'], cells, { rowLines: false })) + '\n',
        );
        return EXIT.ok;
      }),
    );
  state
    .command('show')
    .description('one recorded resource: its state at the provider and the shape it was applied with')
    .argument('<address>', 'the resource address, as `aare state list` shows it')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--json', 'print JSON')
    .action(
      action(async (address: string, opts: ControlRepoFlags & { json?: boolean }) => {
        const records = await recorded(opts);
        const r = records.find((x) => x.address === address);
        if (!r) {
          const near = records.filter((x) => x.address.endsWith(address)).map((x) => x.address);
          const hint =
            near.length > 0
              ? `; did you mean ${near.slice(0, 5).join(', ')}?`
              : '; `aare state list` shows the recorded addresses';
          throw new DiagnosticsError([error('NOT_FOUND', `no resource ${address} in the state${hint}`)]);
        }
        const shown = {
          address: r.address,
          kind: r.kind,
          scope: r.scope,
          endpoint: r.endpoint,
          id: idOf(r),
          lastApplied: r.updatedAt ?? null,
          dependsOn: r.dependsOn,
          state: withoutSecretValues(r.state),
          applied: withoutSecretValues(r.desired),
        };
        if (opts.json) {
          process.stdout.write(JSON.stringify(shown, null, 2) + '\n');
          return EXIT.ok;
        }
        const lines = [
          `# ${shown.address}`,
          `kind        = ${shown.kind}`,
          `id          = ${shown.id ?? '-'}`,
          `scope       = ${shown.scope || '(provider-wide)'}`,
          `endpoint    = ${shown.endpoint}`,
          `lastApplied = ${shown.lastApplied ?? '-'}`,
          `dependsOn   = ${shown.dependsOn.join(', ') || '-'}`,
          '',
          '# state at the provider, as last seen',
          ...attrLines(shown.state),
          '',
          '# applied with',
          ...attrLines(shown.applied),
        ];
        process.stdout.write(lines.join('\n') + '\n');
        return EXIT.ok;
      }),
    );
}

async function recorded(opts: ControlRepoFlags): Promise<ResourceRecord[]> {
  requireControlRepoDir(opts.controlRepo);
  const { EngineState } = await import('../../engine/index.js');
  return withApp(opts, async (app) => new EngineState(await app.store()).resources());
}

function idOf(r: ResourceRecord): string | null {
  const id = (r.state as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
}

/**
 * Names whose values are never printed: user-data may hold secret tokens or a sealed secret, the
 * others are what a driver would call a credential. A value shows as its digest and size.
 */
const SECRET_NAME = /^(userdata|password|passwd|secret|token|privatekey|apikey)$/i;

/** `value` with the value of every secret-named key replaced by its digest. */
export function withoutSecretValues(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecretValues);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (!SECRET_NAME.test(k) || v === null || v === '') return [k, withoutSecretValues(v)];
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      const digest = createHash('sha256').update(text).digest('hex').slice(0, 12);
      return [k, `[redacted] sha256:${digest}… (${Buffer.byteLength(text)} bytes)`];
    }),
  );
}

/** `path = value` lines of a record's attributes, one level of nesting flattened. */
function attrLines(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return [`  ${JSON.stringify(value)}`];
  const entries = Object.entries(value);
  const width = Math.min(24, Math.max(0, ...entries.map(([k]) => k.length)));
  return entries.map(([k, v]) => `  ${k.padEnd(width)} = ${JSON.stringify(v)}`);
}
