// `aare lab up|install|down|status|env`: the real services for development, the demo and the tests.
import type { Command } from 'commander';
import { action, EXIT } from '../cli-run.js';
import { renderTable } from '../cli-table.js';

export function register(program: Command): void {
  const lab = program
    .command('lab')
    .description('start, stop and inspect the local lab: OpenStack, PostgreSQL, PowerDNS on 127.0.0.1');

  lab
    .command('up')
    .description('install missing Debian packages (as root) and start lab services that are not up')
    .argument('[services...]', 'services to start (default: all of lab/services)')
    .option('--for-tests', 'everything the test suites need (all services, every lab/packages/*.txt package)')
    .action(
      action(async (services: string[], opts: { forTests?: boolean }) => {
        const { labUp } = await import('../../lab/index.js');
        const say = (line: string) => process.stdout.write(line + '\n');
        const result = await labUp({ services, forTests: opts.forTests === true, onProgress: say });
        const started = result.services.filter((s) => s.action === 'started').map((s) => s.service);
        say(
          `lab up in ${result.totalSeconds.toFixed(1)} s` +
            (started.length ? ` (started: ${started.join(', ')})` : ' (everything was already up)') +
            `; eval "$(aare lab env)" to use it`,
        );
      }),
    );

  lab
    .command('install')
    .description(
      'install the missing Debian packages of lab areas (lab/packages/<area>.txt; default: all), as root',
    )
    .argument('[areas...]', 'areas to install, e.g. packaging (default: every lab/packages/*.txt)')
    .action(
      action(async (areas: string[]) => {
        const { labInstall } = await import('../../lab/index.js');
        await labInstall({ areas, onProgress: (line) => process.stdout.write(line + '\n') });
      }),
    );

  lab
    .command('down')
    .description('stop exactly what `lab up` started (pid files)')
    .argument('[services...]', 'services to stop (default: all)')
    .option('--purge', 'also delete their state (databases, images, logs)')
    .action(
      action(async (services: string[], opts: { purge?: boolean }) => {
        const { labDown } = await import('../../lab/index.js');
        await labDown({
          services,
          purge: !!opts.purge,
          onProgress: (line) => process.stdout.write(line + '\n'),
        });
      }),
    );

  lab
    .command('status')
    .description('each lab service and process: up or down, with its endpoint')
    .option('--json', 'machine-readable output')
    .action(
      action(async (opts: { json?: boolean }) => {
        const { labStatus } = await import('../../lab/index.js');
        const statuses = await labStatus();
        if (opts.json) {
          process.stdout.write(JSON.stringify(statuses, null, 2) + '\n');
        } else {
          const rows: string[][] = [];
          for (const s of statuses) {
            if (s.processes.length === 0) rows.push([s.service, '-', 'down', '', '']);
            for (const p of s.processes) {
              const state = !p.running ? 'down' : p.reachable === false ? 'not answering' : 'up';
              rows.push([s.service, p.process, state, p.running ? String(p.pid) : '', p.endpoint ?? '']);
            }
          }
          const head = ['service', 'process', 'state', 'pid', 'endpoint'];
          process.stdout.write((await renderTable(head, rows)) + '\n');
        }
        return statuses.some((s) => s.partial) ? EXIT.failed : EXIT.ok;
      }),
    );

  lab
    .command('env')
    .description('shell exports for the services that are up: eval "$(aare lab env)"')
    .action(
      action(async () => {
        const { labEnv } = await import('../../lab/index.js');
        const text = await labEnv();
        if (text) process.stdout.write(text + '\n');
      }),
    );
}
