// `aare logging receiver-config`: the central rsyslog receiver's configuration for every customer
// (docs/logging.md), from the control repository and the addresses the state recorded.
import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DiagnosticsError, error, hasErrors } from '../../diag/index.js';
import type { Diagnostic } from '../../diag/index.js';
import { action, printDiagnostics, UsageError } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, relativeToCwd, requireControlRepoDir, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';

interface ReceiverFlags extends ControlRepoFlags {
  logDir: string;
  port?: string;
  address?: string;
  out?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export const DEFAULT_LOG_DIR = '/var/log/aare';

export function register(program: Command): void {
  const logging = program.command('logging').description('central logging (rsyslog)');
  logging
    .command('receiver-config')
    .description(
      'print the central rsyslog receiver configuration: each VM’s lines filed by its assigned address under <log-dir>/<customer>/<environment>/<vm>/',
    )
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option(
      '--log-dir <dir>',
      'where the per-customer directories are made, on the receiver',
      DEFAULT_LOG_DIR,
    )
    .option('--port <n>', 'port to listen on (default: the port of endpoints.logging.target)')
    .option('--address <ip>', 'local address to listen on (default: every address)')
    .option('--out <file>', 'write the configuration to this file instead of stdout')
    .option('--tls-ca <file>', 'TLS: the CA certificate on the receiver (when endpoints.logging.tls is set)')
    .option('--tls-cert <file>', 'TLS: the receiver’s certificate')
    .option('--tls-key <file>', 'TLS: the receiver’s key')
    .action(
      action(async (opts: ReceiverFlags) => {
        requireControlRepoDir(opts.controlRepo);
        const port = opts.port === undefined ? undefined : Number(opts.port);
        if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535))
          throw new UsageError(`--port ${opts.port}: expected a port number (1-65535)`);
        const tlsGiven = [opts.tlsCa, opts.tlsCert, opts.tlsKey].filter((x) => x !== undefined).length;
        if (tlsGiven !== 0 && tlsGiven !== 3)
          throw new UsageError('--tls-ca, --tls-cert and --tls-key go together');
        const { receiverConfig, receiverVms } = await import('../../providers/logging/index.js');
        const text = await withApp(opts, async (app) => {
          const controlRepo = app.controlRepo();
          const recorded = await recordedState(app);
          const vms = receiverVms(controlRepo, (address) => recorded.get(address));
          const config = receiverConfig(controlRepo.provider.endpoints.logging, vms.value, {
            logDir: opts.logDir,
            ...(port !== undefined ? { port } : {}),
            ...(opts.address !== undefined ? { address: opts.address } : {}),
            ...(opts.tlsCa && opts.tlsCert && opts.tlsKey
              ? { tls: { caFile: opts.tlsCa, certFile: opts.tlsCert, keyFile: opts.tlsKey } }
              : {}),
          });
          const diagnostics: Diagnostic[] = [...vms.diagnostics, ...config.diagnostics];
          if (hasErrors(diagnostics) || config.value === undefined)
            throw new DiagnosticsError(relativeToCwd(opts.controlRepo, diagnostics));
          if (diagnostics.length > 0) printDiagnostics(relativeToCwd(opts.controlRepo, diagnostics));
          return config.value;
        });
        if (opts.out === undefined) {
          process.stdout.write(text);
          return;
        }
        // a reader (rsyslogd -N1, a restart) never sees half a file
        const tmp = `${opts.out}.aare-tmp`;
        try {
          await writeFile(tmp, text, { mode: 0o644 });
          await rename(tmp, opts.out);
        } catch (err) {
          const reason = (err as { code?: string }).code ?? 'failed';
          throw new DiagnosticsError([error('IO_ERROR', `--out ${opts.out}: cannot write (${reason})`)]);
        }
      }),
    );
}

/**
 * The state the last apply recorded, by address. Without a state yet (no apply ran), nothing is
 * recorded and nothing is created: VMs get the addresses their ports will get.
 */
async function recordedState(app: import('../../app/index.js').AppContext): Promise<Map<string, unknown>> {
  const { STATE_FILE } = await import('../../app/index.js');
  if (!app.config.databaseUrl && !existsSync(join(app.config.stateDir, STATE_FILE))) return new Map();
  const { EngineState } = await import('../../engine/index.js');
  const records = await new EngineState(await app.store()).resources();
  return new Map(records.map((r) => [r.address, r.state]));
}
