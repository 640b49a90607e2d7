// `aare package build`: git tag -> signed RPM -> repository versions.
import type { Command } from 'commander';
import { action, UsageError } from '../cli-run.js';
import { DiagnosticsError } from '../../diag/index.js';
import type { Diagnostic } from '../../diag/index.js';
import { controlRepoFlag, repoAliasFlag, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';

interface BuildFlags extends ControlRepoFlags {
  tag?: string;
  allNewTags?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  const pkg = program
    .command('package')
    .description('Build packages from git tags into the repository service');
  pkg
    .command('build [names...]')
    .description(
      'Build the newest tag (or --tag, or --all-new-tags) of packages/<name>.yaml, sign it and upload it',
    )
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--tag <tag>', 'build this tag')
    .option('--all-new-tags', 'build every matching tag not built yet (all packages when no name is given)')
    .option('--json', 'print JSON')
    .action(
      action(async (names: string[], o: BuildFlags) => {
        if (o.tag && o.allNewTags) throw new UsageError('give --tag or --all-new-tags, not both');
        if (o.tag && names.length !== 1) throw new UsageError('--tag needs exactly one package name');
        if (!names.length && !o.allNewTags) throw new UsageError('name a package, or give --all-new-tags');
        await withApp(o, async (app) => {
          const model = app.controlRepo();
          const unknown = names.filter((n) => !model.packages.has(n));
          if (unknown.length) {
            const known = [...model.packages.keys()].join(', ') || 'none';
            throw new UsageError(
              `no package ${unknown.map((n) => `'${n}'`).join(', ')} in packages/ (known: ${known})`,
            );
          }
          const defs = names.length ? names.map((n) => model.packages.get(n)!) : [...model.packages.values()];
          const { buildPackage } = await import('../../packaging/index.js');
          const ctx = await app.packaging();
          const problems: Diagnostic[] = [];
          const outcomes = [];
          for (const def of defs) {
            const r = await buildPackage(ctx, def, {
              tag: o.tag,
              allNewTags: o.allNewTags,
              customers: new Set(model.customers.keys()),
            });
            problems.push(...r.diagnostics);
            for (const b of r.value) {
              outcomes.push(b);
              if (o.json) continue;
              const repos = Object.entries(b.repositories)
                .map(([name, v]) => (v === undefined ? `${name} (unchanged)` : `${name}@${v}`))
                .join(', ');
              process.stdout.write(
                b.status === 'built'
                  ? `built ${b.filename} from ${b.package} ${b.tag} -> ${repos}\n`
                  : `${b.package} ${b.tag}: already built (${b.filename}), not rebuilt -> ${repos}\n`,
              );
            }
          }
          if (o.json) process.stdout.write(JSON.stringify(outcomes, null, 2) + '\n');
          if (problems.length) throw new DiagnosticsError(problems);
        });
      }),
    );
}
