// `aare dns records`: the records Aare owns, as PowerDNS itself holds them (not as the state
// remembers them), so an operator sees what resolvers get.
import type { Command } from 'commander';
import { action, EXIT } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, requireControlRepoDir, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';
import { renderTable } from '../cli-table.js';
import type { DnsSettings } from '../../providers/dns/index.js';

export function register(program: Command): void {
  const group = program.command('dns').description('DNS records Aare keeps in PowerDNS');
  group
    .command('records')
    .description('list the records Aare owns in the provider’s zones, read from PowerDNS')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--customer <name>', 'only the records of this customer’s VMs')
    .option('--json', 'print JSON instead of a table')
    .action(
      action(async (opts: ControlRepoFlags & { customer?: string; json?: boolean }) => {
        requireControlRepoDir(opts.controlRepo);
        const rows = await withApp(opts, async (app) => {
          const { dns } = await import('../../providers/index.js');
          const controlRepo = app.controlRepo();
          const wired = app.config.providers.find((p) => p.name === dns.dnsProvider.name);
          const client = wired
            ? await dns.openDnsClient({ controlRepo, settings: wired.settings as DnsSettings })
            : undefined;
          if (!client) return undefined;
          return dns.ownedRRsets(controlRepo, client, opts.customer ? { customer: opts.customer } : {});
        });
        if (!rows) {
          process.stderr.write('aare.yaml names no DNS endpoint (endpoints.dns): Aare keeps no records\n');
          return EXIT.ok;
        }
        if (opts.json) {
          process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
          return EXIT.ok;
        }
        const cells = rows.map((r) => [r.name, r.type, String(r.ttl), r.records.join('\n'), r.owner]);
        process.stdout.write(
          (await renderTable(['name', 'type', 'ttl', 'records', 'owner'], cells, { rowLines: false })) + '\n',
        );
        process.stdout.write(`${rows.length} record sets\n`);
        return EXIT.ok;
      }),
    );
}
