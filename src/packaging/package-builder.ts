// git tag -> signed RPM -> repository versions. For each tag: git archive at the tag, a spec (the
// source's own, or one generated from the package's simple build description), rpmbuild with
// SOURCE_DATE_EPOCH from the tagged commit, an in-process header signature with the provider's
// key, and an upload into each target repository. A tag built once is not built again; a tag
// whose tree changed since its build is refused.
import { execFile, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { error } from '../diag/index.js';
import type { Diagnostic, SourceRange } from '../diag/index.js';
import { rpmvercmp, signRpm } from '../repo/index.js';
import { nowIso } from '../store/index.js';
import type { RepoContext } from './packaging-context.js';
import { generateSpec } from './spec-generator.js';
import type { PackageDef } from './spec-generator.js';

const run = promisify(execFile);

export interface BuildOptions {
  /** Build exactly this tag. */
  tag?: string;
  /** Build every matching tag not built yet (default: only the newest matching tag). */
  allNewTags?: boolean;
  /** Customers known to the control repository (a repository named after one is theirs). */
  customers?: ReadonlySet<string>;
  signal?: AbortSignal;
}

export interface BuildOutcome {
  package: string;
  tag: string;
  version: string;
  release: string;
  status: 'built' | 'already-built';
  filename: string;
  sha256: string;
  logPath: string;
  /** repository -> new version number (absent when the repository already held the file) */
  repositories: Record<string, number | undefined>;
}

interface TagInfo {
  tag: string;
  version: string;
  release: string;
  commit: string;
  tree: string;
  time: number;
}

const git = async (dir: string, ...args: string[]): Promise<string> =>
  (await run('git', ['-C', dir, ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout.trim();

function buildError(def: PackageDef, summary: string, source: SourceRange = def.source): Diagnostic {
  return error('PACKAGE_BUILD', summary, { source, address: `package ${def.name}` });
}

/**
 * Finds the git repository of a package. A local `git.url` that is not a git repository but
 * holds `releases/<tag>/` trees (the demo's shipped sources) is turned into one under
 * <stateDir>/git/<name> by the `make-git-repos.sh` beside it. Remote URLs are mirrored there.
 */
export async function resolveGitSource(
  ctx: RepoContext,
  def: PackageDef,
): Promise<{ dir?: string; diagnostics: Diagnostic[] }> {
  const url = def.git.url;
  const mirror = join(ctx.stateDir, 'git', def.name);
  if (/^[a-z+]+:\/\/|^[^/]+@[^/]+:/.test(url)) {
    try {
      if (!existsSync(mirror)) await run('git', ['clone', '-q', '--mirror', url, mirror]);
      else await run('git', ['-C', mirror, 'fetch', '-q', '--prune', '--tags', 'origin']);
      return { dir: mirror, diagnostics: [] };
    } catch (err) {
      return {
        diagnostics: [
          buildError(
            def,
            `cannot fetch ${url}: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`,
          ),
        ],
      };
    }
  }
  const dir = isAbsolute(url) ? url : resolve(ctx.root, url);
  if (existsSync(join(dir, '.git')) || existsSync(join(dir, 'HEAD'))) return { dir, diagnostics: [] };
  const script = join(dirname(dir), 'make-git-repos.sh');
  if (existsSync(join(dir, 'releases')) && existsSync(script)) {
    try {
      await run('sh', [script, dir, mirror]);
    } catch (err) {
      return {
        diagnostics: [
          buildError(
            def,
            `${relative(ctx.root, script)} failed: ${(err as { stderr?: string }).stderr?.trim() ?? ''}`,
          ),
        ],
      };
    }
    return { dir: mirror, diagnostics: [] };
  }
  return { diagnostics: [buildError(def, `git.url: ${url} is not a git repository`)] };
}

async function matchingTags(dir: string, def: PackageDef): Promise<TagInfo[]> {
  const pattern = new RegExp(def.tagPattern);
  const out: TagInfo[] = [];
  const lines = (await git(dir, 'for-each-ref', '--format=%(refname:short)', 'refs/tags'))
    .split('\n')
    .filter(Boolean);
  for (const tag of lines) {
    const m = pattern.exec(tag);
    if (!m?.[1]) continue;
    const [commit, tree, time] = (await git(dir, 'log', '-1', '--format=%H %T %ct', `${tag}^{commit}`)).split(
      ' ',
    );
    out.push({ tag, version: m[1], release: m[2] ?? '1', commit: commit!, tree: tree!, time: Number(time) });
  }
  return out.sort((a, b) => rpmvercmp(a.version, b.version) || rpmvercmp(a.release, b.release));
}

/** Builds the package's tags as `opts` asks; returns what was built or found built, or why not. */
export async function buildPackage(
  ctx: RepoContext,
  def: PackageDef,
  opts: BuildOptions = {},
): Promise<{ value: BuildOutcome[]; diagnostics: Diagnostic[] }> {
  const src = await resolveGitSource(ctx, def);
  if (!src.dir) return { value: [], diagnostics: src.diagnostics };
  const tags = await matchingTags(src.dir, def);
  let wanted: TagInfo[];
  if (opts.tag !== undefined) {
    const t = tags.find((x) => x.tag === opts.tag);
    if (!t) {
      return {
        value: [],
        diagnostics: [
          buildError(
            def,
            `tag '${opts.tag}' does not exist in ${def.git.url} or does not match tagPattern ${def.tagPattern} (matching tags: ${tags.map((x) => x.tag).join(', ') || 'none'})`,
          ),
        ],
      };
    }
    wanted = [t];
  } else if (opts.allNewTags) {
    wanted = tags;
  } else {
    wanted = tags.slice(-1);
  }
  if (!wanted.length) {
    return {
      value: [],
      diagnostics: [buildError(def, `no tag of ${def.git.url} matches tagPattern ${def.tagPattern}`)],
    };
  }
  const value: BuildOutcome[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const t of wanted) {
    opts.signal?.throwIfAborted();
    const r = await buildTag(ctx, def, src.dir, t, opts);
    if (r.value) value.push(r.value);
    diagnostics.push(...r.diagnostics);
  }
  return { value, diagnostics };
}

async function buildTag(
  ctx: RepoContext,
  def: PackageDef,
  gitDir: string,
  t: TagInfo,
  opts: BuildOptions,
): Promise<{ value?: BuildOutcome; diagnostics: Diagnostic[] }> {
  const prior = await ctx.store.db
    .selectFrom('package_builds')
    .selectAll()
    .where('package', '=', def.name)
    .where('tag', '=', t.tag)
    .executeTakeFirst();
  if (prior && prior.tree_sha !== t.tree) {
    return {
      diagnostics: [
        error(
          'TAG_CHANGED',
          `tag ${t.tag} of package ${def.name} now points at commit ${t.commit.slice(0, 12)} (tree ${t.tree.slice(0, 12)}), but it was built on ${prior.built_at} from commit ${prior.commit_sha.slice(0, 12)} (tree ${prior.tree_sha.slice(0, 12)}); a released tag must not move: tag the change as a new version`,
          { source: def.source, address: `package ${def.name}` },
        ),
      ],
    };
  }
  const logDir = join(ctx.stateDir, 'builds', def.name);
  await mkdir(logDir, { recursive: true });
  if (prior) {
    const stored = ctx.repo.artifactPath(prior.sha256);
    const file = existsSync(stored) ? stored : join(logDir, prior.filename);
    const repositories = await uploadAll(ctx, def, file, opts);
    if (repositories.diagnostics.length) return { diagnostics: repositories.diagnostics };
    return {
      value: {
        package: def.name,
        tag: t.tag,
        version: t.version,
        release: t.release,
        status: 'already-built',
        filename: prior.filename,
        sha256: prior.sha256,
        logPath: prior.log_path,
        repositories: repositories.value,
      },
      diagnostics: [],
    };
  }
  const key = ctx.signingKey;
  if (!key) throw new Error('building packages needs the provider signing key');
  const logPath = join(logDir, `${t.tag}.log`);
  const top = await mkdtemp(join(tmpdir(), `aare-build-${def.name}-`));
  try {
    for (const d of ['SOURCES', 'SPECS', 'BUILD', 'RPMS', 'BUILDROOT']) await mkdir(join(top, d));
    const prefix = `${def.name}-${t.version}`;
    await git(
      gitDir,
      'archive',
      '--format=tar.gz',
      `--prefix=${prefix}/`,
      '-o',
      join(top, 'SOURCES', `${prefix}.tar.gz`),
      t.commit,
    );
    let spec: string;
    if (def.spec) {
      try {
        spec = await git(gitDir, 'show', `${t.commit}:${def.spec}`);
      } catch {
        return { diagnostics: [buildError(def, `spec: ${def.spec} does not exist in ${t.tag}`)] };
      }
      spec = spec
        .replaceAll('@VERSION@', t.version)
        .replaceAll('@RELEASE@', t.release)
        .replaceAll('@COMMIT@', t.commit);
    } else if (def.build) {
      spec = generateSpec(def, { version: t.version, release: t.release, tag: t.tag, commit: t.commit });
    } else {
      return { diagnostics: [buildError(def, 'the package has neither spec nor build')] };
    }
    const specPath = join(top, 'SPECS', `${def.name}.spec`);
    await writeFile(specPath, spec + '\n');
    const args = [
      '-bb',
      '--define',
      `_topdir ${top}`,
      '--define',
      `_rpmdir ${join(top, 'RPMS')}`,
      '--define',
      '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm',
      '--define',
      'use_source_date_epoch_as_buildtime 1',
      '--define',
      'clamp_mtime_to_source_date_epoch 1',
      '--define',
      '_buildhost aare-builder',
      '--define',
      `aare_version ${t.version}`,
      '--define',
      `aare_release ${t.release}`,
      '--define',
      `aare_commit ${t.commit}`,
      '--define',
      `aare_tag ${t.tag}`,
      specPath,
    ];
    const code = await runLogged(
      'rpmbuild',
      args,
      logPath,
      { SOURCE_DATE_EPOCH: String(t.time), TZ: 'UTC', LC_ALL: 'C' },
      opts.signal,
    );
    if (code !== 0) {
      const log = await readFile(logPath, 'utf8').catch(() => '');
      const tail = log.trim().split('\n').slice(-8).join('\n');
      return {
        diagnostics: [
          {
            ...buildError(
              def,
              `rpmbuild failed for ${t.tag} (exit ${code}); build log: ${relative(process.cwd(), logPath)}`,
            ),
            detail: tail,
          },
        ],
      };
    }
    const { readdir } = await import('node:fs/promises');
    const built = (await readdir(join(top, 'RPMS'))).filter(
      (f) => f.endsWith('.rpm') && f.startsWith(`${def.name}-`),
    );
    const main = built.find((f) => f.startsWith(`${def.name}-${t.version}-`)) ?? built[0];
    if (!main)
      return { diagnostics: [buildError(def, `rpmbuild wrote no RPM for ${t.tag}; build log: ${logPath}`)] };
    const signed = await signRpm(await readFile(join(top, 'RPMS', main)), key);
    const kept = join(logDir, main);
    await writeFile(kept, signed);
    const repositories = await uploadAll(ctx, def, kept, opts);
    if (repositories.diagnostics.length) return { diagnostics: repositories.diagnostics };
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256').update(signed).digest('hex');
    await ctx.store.db
      .insertInto('package_builds')
      .values({
        package: def.name,
        tag: t.tag,
        commit_sha: t.commit,
        tree_sha: t.tree,
        sha256,
        filename: main,
        log_path: logPath,
        built_at: nowIso(),
      })
      .execute();
    return {
      value: {
        package: def.name,
        tag: t.tag,
        version: t.version,
        release: t.release,
        status: 'built',
        filename: main,
        sha256,
        logPath,
        repositories: repositories.value,
      },
      diagnostics: [],
    };
  } finally {
    await rm(top, { recursive: true, force: true });
  }
}

async function uploadAll(
  ctx: RepoContext,
  def: PackageDef,
  file: string,
  opts: BuildOptions,
): Promise<{ value: Record<string, number | undefined>; diagnostics: Diagnostic[] }> {
  const value: Record<string, number | undefined> = {};
  const diagnostics: Diagnostic[] = [];
  for (const name of def.repositories) {
    const customer = name === def.customer || opts.customers?.has(name) ? name : '';
    const created = await ctx.repo.createRepository(name, customer);
    if (created.diagnostics.length) {
      diagnostics.push(...created.diagnostics);
      continue;
    }
    const r = await ctx.repo.upload(name, file, relative(process.cwd(), file));
    if (r.value) value[name] = r.value.version;
    diagnostics.push(...r.diagnostics);
  }
  return { value, diagnostics };
}

function runLogged(
  cmd: string,
  args: string[],
  logPath: string,
  env: Record<string, string>,
  signal?: AbortSignal,
): Promise<number> {
  return new Promise((resolveRun, reject) => {
    const log = createWriteStream(logPath);
    log.write(`$ ${cmd} ${args.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}\n`);
    const child = spawn(cmd, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('error', (err) => {
      log.end();
      reject(err);
    });
    child.on('close', (code) => {
      log.end(() => resolveRun(code ?? 1));
    });
  });
}
