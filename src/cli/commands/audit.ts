// `aare audit` lists the audit log; `aare audit verify` checks its hash chain (docs/maintenance.md).
import type { Command } from 'commander';
import { action, EXIT, printDiagnostics, UsageError } from '../cli-run.js';
import type { Remote } from '../cli-remote.js';
import type { AuditEntry } from '../../release/index.js';
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
        const { remoteServer } = await import('../cli-remote.js');
        const remote = remoteServer();
        const entries = remote
          ? await remoteAudit(remote, opts)
          : await withApp(opts, async (app) => {
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

/**
 * The audit log from the API, each entry as `listAudit` gives it (without the API's `node`). The
 * API takes an instant only: a day needs the maintenance time zone of the server's control
 * repository, so it is refused here rather than guessed.
 */
async function remoteAudit(remote: Remote, opts: AuditFlags): Promise<AuditEntry[]> {
  let since: string | undefined;
  if (opts.since !== undefined) {
    const t = Date.parse(opts.since);
    if (!/T/.test(opts.since) || Number.isNaN(t))
      throw new UsageError(
        `--since with --server takes an ISO time with its offset (2027-03-01T00:00:00+01:00), got '${opts.since}'`,
      );
    since = new Date(t).toISOString();
  }
  const { apiList } = await import('../cli-remote.js');
  const items = await apiList<AuditEntry & { node: string }>(remote, '/audit', {
    customer: opts.customer,
    since,
  });
  return items.map((e) => ({
    id: e.id,
    at: e.at,
    actor: e.actor,
    action: e.action,
    scope: e.scope,
    ...(e.customer !== undefined ? { customer: e.customer } : {}),
    detail: e.detail,
    result: e.result,
    hash: e.hash,
  }));
}
