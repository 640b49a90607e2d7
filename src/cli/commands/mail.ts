// `aare mail relay-config`: the provider relay's client map (the customer networks that may relay)
// and the main.cf lines that make Postfix read it (docs/mail.md). The map goes to --map FILE, or
// to stdout; the main.cf lines go to --out FILE, or to stdout when the map did not take it. Files
// are replaced whole (written beside, then renamed), so a relay reloading meanwhile reads either
// the old map or the new one; nothing is written when the control repository has errors.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DiagnosticsError, error, hasErrors } from '../../diag/index.js';
import { action, printDiagnostics } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, relativeToCwd, requireControlRepoDir, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';

interface RelayConfigOptions extends ControlRepoFlags {
  map?: string;
  out?: string;
}

export function register(program: Command): void {
  const mail = program.command('mail').description("the provider's mail relay");
  mail
    .command('relay-config')
    .description(
      'the Postfix client map of the relay (the networks of customer environments with a VM that sends mail) and the main.cf lines that read it',
    )
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--map <file>', 'write the cidr: table here (its absolute path goes into the main.cf lines)')
    .option('--out <file>', 'write the main.cf lines here')
    .action(
      action(async (opts: RelayConfigOptions) => {
        const { mail: relay } = await import('../../providers/index.js');
        requireControlRepoDir(opts.controlRepo);
        const { value: controlRepo, diagnostics } = await withApp(opts, (app) =>
          Promise.resolve(app.loadControlRepo()),
        );
        const shown = relativeToCwd(opts.controlRepo, diagnostics);
        if (hasErrors(shown)) throw new DiagnosticsError(shown);
        printDiagnostics(shown);
        const clients = relay.relayClients(controlRepo);
        const map = relay.renderClientMap(clients);
        const mainCf = relay.relayMainCf(opts.map === undefined ? undefined : resolve(opts.map));
        const files = [
          ...(opts.map !== undefined ? [{ file: opts.map, content: map, option: '--map' }] : []),
          ...(opts.out !== undefined ? [{ file: opts.out, content: mainCf, option: '--out' }] : []),
        ];
        replaceFiles(files);
        if (opts.map === undefined) process.stdout.write(map);
        else if (opts.out === undefined) process.stdout.write(mainCf);
        if (opts.map !== undefined || opts.out !== undefined) {
          process.stderr.write(
            `${clients.length} permitted network${clients.length === 1 ? '' : 's'}; reload the relay (postfix reload) to use them\n`,
          );
        }
      }),
    );
}

/** Writes every file beside its target first, then renames them all: a bad path writes none. */
function replaceFiles(files: { file: string; content: string; option: string }[]): void {
  const temps: string[] = [];
  const fail = (f: { file: string; option: string }, err: unknown): never => {
    for (const t of temps) rmSync(t, { force: true });
    const reason = (err as NodeJS.ErrnoException).code ?? 'write failed';
    throw new DiagnosticsError([
      error('IO_ERROR', `${f.option} ${f.file}: cannot write (${reason})`, { field: f.option }),
    ]);
  };
  for (const f of files) {
    const temp = join(dirname(f.file), `.${basename(f.file)}.${process.pid}.tmp`);
    try {
      writeFileSync(temp, f.content, { mode: 0o644 });
      temps.push(temp);
    } catch (err) {
      fail(f, err);
    }
  }
  files.forEach((f, i) => {
    try {
      renameSync(temps[i]!, f.file);
    } catch (err) {
      fail(f, err);
    }
  });
}
