// `aare audit` lists the audit log; `aare audit verify` checks its hash chain (docs/maintenance.md).
import type { Command } from 'commander';
import { action, EXIT, printDiagnostics } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';
import { renderTable } from '../cli-table.js';

interface AuditFlags extends ControlRepoFlags {
  customer?: string;
  since?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const audit = program
    .command('audit')
    .description('the audit log: who changed what, when, with what result (oldest first)')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--customer <name>', 'only entries about this customer')
    .option('--since <when>', 'from this day (YYYY-MM-DD in the maintenance time zone) or ISO time on')
    .option('--json', 'print a JSON array of entries')
    .action(
      action(async (opts: AuditFlags) => {
        const { listAudit, parseWhen } = await import('../../release/index.js');
        const entries = await withApp(opts, async (app) => {
          // a date needs the policy's time zone; a broken control repository still has the default
          const m = app.loadControlRepo().value.provider.maintenance;
          const since = opts.since !== undefined ? parseWhen(m, opts.since, '--since', 0) : undefined;
          return listAudit(await app.store(), {
            ...(opts.customer !== undefined ? { customer: opts.customer } : {}),
            ...(since ? { since: new Date(since.epochMilliseconds) } : {}),
          });
        });
        if (opts.json) {
          process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
          return EXIT.ok;
        }
        const rows = entries.map((e) => [
          String(e.id),
          e.at,
          e.actor,
          e.action,
          e.scope || '(provider)',
          e.result,
          JSON.stringify(e.detail),
        ]);
        process.stdout.write(
          (await renderTable(['#', 'at', 'actor', 'action', 'scope', 'result', 'detail'], rows, {
            rowLines: false,
          })) + '\n',
        );
        return EXIT.ok;
      }),
    );
  audit
    .command('verify')
    .description('check the hash chain: finds an entry changed, deleted or added outside Aare')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .action(
      // `-C` is parsed by `aare audit` wherever it stands (commander gives a parent's options to the
      // parent), so this command's own value would always be the default
      action(async (_own: ControlRepoFlags, cmd: Command) => {
        const opts = cmd.parent?.opts<ControlRepoFlags>() ?? _own;
        const { verifyAudit } = await import('../../release/index.js');
        const v = await withApp(opts, async (app) => verifyAudit(await app.store()));
        if (v.problems.length > 0) {
          printDiagnostics(v.problems);
          return EXIT.failed;
        }
        process.stdout.write(`audit log intact: ${v.entries} entries\n`);
        return EXIT.ok;
      }),
    );
}
