// `aare release freeze` and `aare release list` (docs/maintenance.md): the monthly release, one
// snapshot of every package repository plus the control repository's commit.
import type { Command } from 'commander';
import { action, EXIT } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, requireControlRepoDir, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';
import { renderTable } from '../cli-table.js';

export function register(program: Command): void {
  const group = program.command('release').description('releases: the monthly freeze of every repository');
  group
    .command('freeze')
    .description(
      'freeze now: snapshot every package repository and record the control repository’s commit (refused with uncommitted changes)',
    )
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--json', 'print the release as JSON')
    .action(
      action(async (opts: ControlRepoFlags & { json?: boolean }) => {
        requireControlRepoDir(opts.controlRepo);
        const { freezeRelease, valueOrThrow } = await import('../../release/index.js');
        const release = await withApp(opts, async (app) =>
          valueOrThrow(
            await freezeRelease({
              store: await app.store(),
              repoService: await app.repoService(),
              controlRepoDir: app.config.controlRepoDir,
              stateDir: app.config.stateDir,
              maintenance: () => app.controlRepo().provider.maintenance,
              now: app.config.now(),
              actor: app.config.actor,
            }),
          ),
        );
        if (opts.json) process.stdout.write(JSON.stringify(release, null, 2) + '\n');
        else
          process.stdout.write(
            `release ${release.name} frozen at ${release.frozenAt}: commit ${release.commit}, snapshot ${release.snapshot}\n`,
          );
        return EXIT.ok;
      }),
    );
  group
    .command('list')
    .description('list releases, oldest first')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--json', 'print a JSON array of { name, frozenAt, commit, ... }')
    .action(
      action(async (opts: ControlRepoFlags & { json?: boolean }) => {
        const { listReleases } = await import('../../release/index.js');
        const releases = await withApp(opts, async (app) => listReleases(await app.store()));
        if (opts.json) {
          process.stdout.write(JSON.stringify(releases, null, 2) + '\n');
          return EXIT.ok;
        }
        const rows = releases.map((r) => [r.name, r.frozenAt, r.commit.slice(0, 12), r.snapshot, r.frozenBy]);
        process.stdout.write(
          (await renderTable(['name', 'frozen at', 'commit', 'snapshot', 'by'], rows, { rowLines: false })) +
            '\n',
        );
        return EXIT.ok;
      }),
    );
}
