// `aare repo ...`: the repository service from the command line (list, create, upload, versions,
// diff, distribute, undistribute, distributions, snapshot, delete, prune, remote add/list, sync).
import type { Command } from 'commander';
import { action, UsageError } from '../cli-run.js';
import { DiagnosticsError, error } from '../../diag/index.js';
import type { Diagnostic } from '../../diag/index.js';
import type { RepoMirrors, RepoService } from '../../repo/index.js';
import type { AppContext } from '../../app/index.js';
import { controlRepoFlag, repoAliasFlag, requireControlRepoDir, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';
import { renderTable as table } from '../cli-table.js';

interface Common extends ControlRepoFlags {
  json?: boolean;
}

/** Runs `fn` with the package repository service of the command's app context. */
const withService = <T>(
  o: Common,
  fn: (service: RepoService, app: AppContext) => Promise<T>,
  opts: { signing?: boolean } = {},
) => {
  requireControlRepoDir(o.controlRepo);
  return withApp(o, async (app) => fn(await app.repoService(opts), app));
};

/** The mirrors of the repository back end, or MIRROR_UNSUPPORTED when it has none. */
function mirrorsOf(service: RepoService): RepoMirrors {
  if (service.mirrors) return service.mirrors;
  throw new DiagnosticsError([
    error('MIRROR_UNSUPPORTED', 'this repository back end does not mirror upstream repositories yet'),
  ]);
}

function check<T>(r: { value: T; diagnostics: Diagnostic[] }): T {
  if (r.diagnostics.some((d) => d.severity === 'error')) throw new DiagnosticsError(r.diagnostics);
  return r.value;
}

/** Names the user gave, checked against the control repository's model before anything is written. */
async function checkNames(
  app: AppContext,
  target: { customer: string; environment?: string },
): Promise<void> {
  const model = check(app.loadControlRepo());
  // loaded on use: the repository module (with openpgp) would otherwise load with every command
  const { checkModelNames } = await import('../../repo/index.js');
  const problems = checkModelNames(model, target);
  if (problems.length) throw new DiagnosticsError(problems);
}

/** `30d`, `12h`, `2w`, `90m`, `45s` as milliseconds. */
function duration(v: string): number {
  const m = /^(\d+)([smhdw])$/.exec(v);
  if (!m) throw new UsageError(`--older-than must be a number and a unit (s, m, h, d, w), got '${v}'`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  return Number(m[1]) * unit * 1000;
}

const out = (s: string): void => void process.stdout.write(s.endsWith('\n') ? s : s + '\n');
const json = (v: unknown): void => out(JSON.stringify(v, null, 2));
const int = (what: string, v: string): number => {
  if (!/^\d+$/.test(v)) throw new UsageError(`${what} must be a version number, got '${v}'`);
  return Number(v);
};
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;

export function register(program: Command): void {
  const repo = program
    .command('repo')
    .description('Package repositories: versions, distributions, snapshots');
  const withCommon = (c: Command, withJson = true) => {
    c.addOption(controlRepoFlag()).addOption(repoAliasFlag());
    if (withJson) c.option('--json', 'print JSON');
    return c;
  };

  withCommon(repo.command('list').description('List repositories with their latest version')).action(
    action(async (o: Common) => {
      return withService(o, async (service) => {
        const repos = await service.listRepositories();
        if (o.json) return json(repos);
        out(
          await table(
            ['repository', 'customer', 'latest version', 'packages'],
            repos.map((r) => [r.name, r.customer || '(shared)', r.latestVersion, r.packages]),
          ),
        );
      });
    }),
  );

  withCommon(
    repo
      .command('create <name>')
      .description("Create a repository: a customer's own (--customer) or a shared one of the provider")
      .option('--customer <name>', 'the customer the repository belongs to'),
    false,
  ).action(
    action(async (name: string, o: Common & { customer?: string }) => {
      return withService(o, async (service, app) => {
        if (o.customer !== undefined) await checkNames(app, { customer: o.customer });
        const r = check(await service.createRepository(name, o.customer ?? ''));
        out(`repository ${r?.name} (${r?.customer || 'shared'}) at version ${r?.latestVersion}`);
      });
    }),
  );

  withCommon(
    repo
      .command('upload <repository> <files...>')
      .description(
        'Add signed RPMs as one new version (all are checked first; a refused file changes nothing)',
      ),
  ).action(
    action(async (name: string, files: string[], o: Common) => {
      return withService(
        o,
        async (service) => {
          const results =
            check(
              await service.uploadMany(
                name,
                files.map((file) => ({ file })),
              ),
            ) ?? [];
          if (o.json) return json(results);
          for (const r of results)
            out(
              r.version === undefined
                ? `${r.filename}: already in ${name}, unchanged`
                : `${r.filename}: ${name} version ${r.version}${r.storedNew ? '' : ' (content already stored)'}`,
            );
        },
        // the provider key signs publications and is what uploads are checked against
        { signing: true },
      );
    }),
  );

  withCommon(
    repo
      .command('remove <repository> <packages...>')
      .description('Remove packages (by name or file name): a new version'),
    false,
  ).action(
    action(async (name: string, pkgs: string[], o: Common) => {
      return withService(o, async (service) => {
        const v = check(await service.removePackages(name, pkgs));
        out(`${name} version ${v}`);
      });
    }),
  );

  withCommon(repo.command('versions <repository>').description("List a repository's versions")).action(
    action(async (name: string, o: Common) => {
      return withService(o, async (service) => {
        const vs = check(await service.versions(name));
        if (o.json) return json(vs);
        out(
          await table(
            ['version', 'created', 'packages'],
            vs.map((v) => [v.number, v.createdAt, v.packages]),
          ),
        );
      });
    }),
  );

  withCommon(
    repo
      .command('packages <repository> [version]')
      .description('List the packages of a version (default: latest)'),
  ).action(
    action(async (name: string, version: string | undefined, o: Common) => {
      return withService(o, async (service) => {
        const ps = check(
          await service.packagesOf(name, version === undefined ? undefined : int('VERSION', version)),
        );
        if (o.json) return json(ps);
        out(
          await table(
            ['package', 'version', 'arch', 'sha256'],
            ps.map((p) => [p.name, `${p.version}-${p.release}`, p.arch, p.sha256.slice(0, 12)]),
          ),
        );
      });
    }),
  );

  withCommon(
    repo.command('diff <repository> <v1> <v2>').description('What changed between two versions'),
  ).action(
    action(async (name: string, v1: string, v2: string, o: Common) => {
      return withService(o, async (service) => {
        const d = check(await service.diff(name, int('V1', v1), int('V2', v2)));
        if (!d) return;
        if (o.json) return json(d);
        const rows: string[][] = [
          ...d.added.map((p) => ['+ added', p.name, p.arch, '', `${p.version}-${p.release}`]),
          ...d.upgraded.map((u) => [
            u.downgrade ? '~ downgraded' : '~ upgraded',
            u.name,
            u.arch,
            u.from,
            u.to,
          ]),
          ...d.removed.map((p) => ['- removed', p.name, p.arch, `${p.version}-${p.release}`, '']),
        ];
        if (!rows.length) return out(`${name}: no changes between version ${d.from} and ${d.to}`);
        out(`${name}: version ${d.from} -> ${d.to}`);
        out(await table(['change', 'package', 'arch', 'from', 'to'], rows));
      });
    }),
  );

  withCommon(
    repo
      .command('distribute <customer> <environment>')
      .description(
        "Publish the customer's and the shared repositories and point /repos/<customer>/<environment>/ at it",
      )
      .option('--snapshot <name>', 'publish the versions a snapshot recorded, instead of the latest'),
  ).action(
    action(async (customer: string, environment: string, o: Common & { snapshot?: string }) => {
      return withService(
        o,
        async (service, app) => {
          await checkNames(app, { customer, environment });
          const d = check(
            await service.distribute(customer, environment, o.snapshot ? { snapshot: o.snapshot } : {}),
          );
          if (!d) return;
          if (o.json) return json(d);
          const vs = Object.entries(d.versions)
            .map(([r, n]) => `${r}@${n}`)
            .join(', ');
          out(
            `/repos/${d.basePath}/ -> publication ${d.publicationId} (${vs})${d.snapshot ? ` from snapshot ${d.snapshot}` : ''}`,
          );
        },
        // the provider key signs publications and is what uploads are checked against
        { signing: true },
      );
    }),
  );

  withCommon(
    repo
      .command('distributions')
      .description('List distributions: URL, customer, environment, packages, gpgkey')
      .option(
        '--url <base>',
        'base URL of aare serve (default: AARE_SERVE_URL, else endpoints.repository.baseUrl of aare.yaml)',
      ),
  ).action(
    action(async (o: Common & { url?: string }) => {
      return withService(o, async (service, app) => {
        const { distributionsJson } = await import('../../server/index.js');
        const list = distributionsJson(
          await service.distributions(),
          o.url ?? (await app.repositoryBaseUrl()),
        );
        if (o.json) return json(list);
        out(
          await table(
            ['url', 'customer', 'environment', 'snapshot', 'packages'],
            list.map((d) => [d.url, d.customer, d.environment, d.snapshot ?? '', d.packages.join(' ')]),
          ),
        );
      });
    }),
  );

  withCommon(
    repo
      .command('snapshot [repositories...]')
      .description('Record the current version of every (or the named) repository as one named snapshot')
      .requiredOption('--name <name>', 'snapshot name (e.g. 2026-12)'),
  ).action(
    action(async (repos: string[], o: Common & { name: string }) => {
      return withService(o, async (service) => {
        const s = check(await service.snapshot(o.name, repos));
        if (!s) return;
        if (o.json) return json(s);
        out(
          `snapshot ${s.name}: ${
            Object.entries(s.versions)
              .map(([r, n]) => `${r}@${n}`)
              .join(', ') || '(no repositories)'
          }`,
        );
      });
    }),
  );

  const remote = repo.command('remote').description('Upstream dnf/yum repositories that Aare mirrors');
  withCommon(
    remote
      .command('add <name> <url>')
      .description('Mirror the dnf/yum repository at <url> into a new shared repository <name>')
      .option('--policy <policy>', 'immediate (download every package on sync) or on_demand', 'immediate')
      .option('--gpgkey <url>', "the upstream's public key (URL or file) that signs its repomd.xml"),
    false,
  ).action(
    action(async (name: string, url: string, o: Common & { policy: string; gpgkey?: string }) => {
      if (!o.gpgkey) {
        throw new UsageError(
          '--gpgkey is required: Aare only mirrors an upstream whose repomd.xml it can verify',
        );
      }
      const gpgKey = o.gpgkey;
      return withService(o, async (service) => {
        const r = check(
          await mirrorsOf(service).addRemote(name, url, {
            policy: o.policy as 'immediate' | 'on_demand',
            gpgKey,
          }),
        );
        if (r) out(`remote ${r.name} -> ${r.url} (${r.policy}; key ${r.keyFingerprints.join(', ')})`);
      });
    }),
  );
  withCommon(remote.command('list').description('List remotes')).action(
    action(async (o: Common) => {
      return withService(o, async (service) => {
        const rs = await mirrorsOf(service).remotes();
        if (o.json) return json(rs);
        out(
          await table(
            ['remote', 'url', 'policy', 'last sync'],
            rs.map((r) => [r.name, r.url, r.policy, r.lastSyncedAt ?? 'never']),
          ),
        );
      });
    }),
  );

  withCommon(
    repo
      .command('sync [remotes...]')
      .description('Mirror the named (or every) remote into a new version when its upstream changed'),
  ).action(
    action(async (names: string[], o: Common) => {
      return withService(o, async (service) => {
        const tty = process.stderr.isTTY;
        let shown = 0;
        const r = await mirrorsOf(service).sync(names, {
          onProgress: (p) => {
            const now = Date.now();
            const last = p.phase === 'packages' && p.packagesDone === p.packagesTotal;
            if (!last && now - shown < (tty ? 100 : 2000)) return;
            shown = now;
            const line = `${p.remote}: ${p.phase} ${p.packagesDone}/${p.packagesTotal} packages, ${mb(p.bytesDone)} of ${mb(p.bytesTotal)}`;
            process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
          },
        });
        if (tty && shown) process.stderr.write('\n');
        if (o.json) json(r.value);
        else
          for (const s of r.value)
            out(
              `${s.remote}: ${s.version === undefined ? 'unchanged' : `version ${s.version}`}, ${s.packages} packages (${s.downloaded} downloaded, ${mb(s.downloadedBytes)}; ${s.reused} already held)`,
            );
        check(r);
      });
    }),
  );

  withCommon(repo.command('snapshots').description('List snapshots')).action(
    action(async (o: Common) => {
      return withService(o, async (service) => {
        const ss = await service.snapshots();
        if (o.json) return json(ss);
        out(
          await table(
            ['snapshot', 'created', 'versions'],
            ss.map((s) => [
              s.name,
              s.createdAt,
              Object.entries(s.versions)
                .map(([r, n]) => `${r}@${n}`)
                .join(', '),
            ]),
          ),
        );
      });
    }),
  );

  withCommon(
    repo
      .command('undistribute <customer> <environment>')
      .description(
        'Remove the distribution /repos/<customer>/<environment>/ (refused while it serves a release)',
      ),
    false,
  ).action(
    action(async (customer: string, environment: string, o: Common) => {
      return withService(o, async (service) => {
        check(await service.undistribute(customer, environment));
        out(`/repos/${customer}/${environment}/ removed`);
      });
    }),
  );

  withCommon(
    repo
      .command('delete <repository>')
      .description(
        'Delete a repository and its versions (refused while a snapshot holds or a distribution serves it)',
      ),
    false,
  ).action(
    action(async (name: string, o: Common) => {
      return withService(o, async (service) => {
        check(await service.deleteRepository(name));
        out(`repository ${name} deleted (aare repo prune frees its files)`);
      });
    }),
  );

  withCommon(
    repo
      .command('prune')
      .description(
        'Remove versions, publications and artifacts nothing references (a dry run on a terminal unless --yes)',
      )
      .option('--dry-run', 'show what would be removed, remove nothing')
      .option('--yes', 'remove without asking, also on a terminal')
      .option('--keep-versions <n>', 'keep the n newest versions of each repository', '1')
      .option('--older-than <duration>', 'remove only versions older than this (30d, 12h, 2w)'),
  ).action(
    action(
      async (o: Common & { dryRun?: boolean; yes?: boolean; keepVersions: string; olderThan?: string }) => {
        const keepVersions = int('--keep-versions', o.keepVersions);
        if (keepVersions < 1) throw new UsageError(`--keep-versions must be at least 1, got ${keepVersions}`);
        const olderThanMs = o.olderThan === undefined ? undefined : duration(o.olderThan);
        const dryRun = o.dryRun === true || (process.stdin.isTTY === true && o.yes !== true);
        return withService(o, async (service, app) => {
          // --older-than counts from the app's clock (AARE_NOW in demos and tests)
          const now = app.config.now().toISOString();
          const r = await service.prune({ keepVersions, olderThanMs, dryRun, now });
          if (o.json) return json({ dryRun, ...r });
          const what = `${r.versions.length} version(s)${r.versions.length ? ` (${r.versions.map((v) => `${v.repository}@${v.number}`).join(', ')})` : ''}, ${r.publications} publication(s), ${r.artifacts} artifact(s), ${mb(r.bytes)}`;
          out(dryRun ? `would free ${what}; nothing removed (run with --yes to remove)` : `freed ${what}`);
        });
      },
    ),
  );
}
