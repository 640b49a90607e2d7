// `aare package build`: git tag -> signed RPM -> repository versions.
import type { Command } from 'commander';
import { action, UsageError } from '../cli-run.js';
import { DiagnosticsError, hasErrors } from '../../diag/index.js';
import type { Diagnostic } from '../../diag/index.js';

interface BuildFlags {
  repo: string;
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
    .option('--repo <dir>', 'control repository', '.')
    .option('--tag <tag>', 'build this tag')
    .option('--all-new-tags', 'build every matching tag not built yet (all packages when no name is given)')
    .option('--json', 'print JSON')
    .action(
      action(async (names: string[], o: BuildFlags) => {
        if (o.tag && o.allNewTags) throw new UsageError('give --tag or --all-new-tags, not both');
        if (o.tag && names.length !== 1) throw new UsageError('--tag needs exactly one package name');
        if (!names.length && !o.allNewTags) throw new UsageError('name a package, or give --all-new-tags');
        const { loadControlRepo } = await import('../../model/index.js');
        const loaded = loadControlRepo(o.repo);
        if (hasErrors(loaded.diagnostics)) throw new DiagnosticsError(loaded.diagnostics);
        const model = loaded.value;
        const unknown = names.filter((n) => !model.packages.has(n));
        if (unknown.length) {
          const known = [...model.packages.keys()].join(', ') || 'none';
          throw new UsageError(
            `no package ${unknown.map((n) => `'${n}'`).join(', ')} in packages/ (known: ${known})`,
          );
        }
        const defs = names.length ? names.map((n) => model.packages.get(n)!) : [...model.packages.values()];
        const { openRepoContext, buildPackage } = await import('../../packaging/index.js');
        const ctx = await openRepoContext({ root: o.repo, signing: true });
        const problems: Diagnostic[] = [];
        const outcomes = [];
        try {
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
        } finally {
          await ctx.close();
        }
        if (o.json) process.stdout.write(JSON.stringify(outcomes, null, 2) + '\n');
        if (problems.length) throw new DiagnosticsError(problems);
      }),
    );
}
