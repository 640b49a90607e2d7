// One rpmbuild of one tag: a fresh build tree holding only this tag's source archive and spec,
// rpmbuild in the sandbox (build-sandbox.ts), and the RPM it wrote, refused when its name is not
// the package's. Nothing here signs or uploads: the caller does that outside the sandbox.
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { missingTools, toolMissing } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';
import { readRpmFile, RPMTAG, RpmFormatError } from '../repo/index.js';
import { buildError } from './build-context.js';
import { buildEnv, runSandboxed } from './build-sandbox.js';
import type { BuildSandbox } from './build-sandbox.js';
import { archiveTag, fileAtTag } from './git-source.js';
import type { TagInfo } from './git-source.js';
import { generateSpec } from './spec-generator.js';
import type { PackageDef } from './spec-generator.js';

export interface RpmBuildRequest {
  def: PackageDef;
  gitDir: string;
  tag: TagInfo;
  /** Where rpmbuild's output goes (outside the build tree). */
  logPath: string;
  /** Host paths the build must never see (state directory, control repository). */
  hide: string[];
  /** `off` only where the provider turned the sandbox off (AARE_BUILD_SANDBOX, read in src/app). */
  sandbox: BuildSandbox;
  signal?: AbortSignal;
}

/** rpmbuild's arguments for a tree at `top` (the sandbox's /build). */
export function rpmbuildArgs(top: string, def: PackageDef, t: TagInfo): string[] {
  const define = (name: string, value: string): string[] => ['--define', `${name} ${value}`];
  return [
    '-bb',
    ...define('_topdir', top),
    ...define('_rpmdir', join(top, 'RPMS')),
    ...define('_tmppath', '/tmp'),
    ...define('_build_name_fmt', '%%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm'),
    ...define('use_source_date_epoch_as_buildtime', '1'),
    ...define('clamp_mtime_to_source_date_epoch', '1'),
    ...define('_buildhost', 'aare-builder'),
    ...define('aare_version', t.version),
    ...define('aare_release', t.release),
    ...define('aare_commit', t.commit),
    ...define('aare_tag', t.tag),
    join(top, 'SPECS', `${def.name}.spec`),
  ];
}

/** The spec for a tag: the source's own (with @VERSION@ etc. filled in) or a generated one. */
async function specFor(def: PackageDef, gitDir: string, t: TagInfo): Promise<string | Diagnostic> {
  if (def.spec) {
    const text = await fileAtTag(gitDir, t, def.spec);
    if (text === undefined) return buildError(def, `spec: ${def.spec} does not exist in ${t.tag}`);
    return text
      .replaceAll('@VERSION@', t.version)
      .replaceAll('@RELEASE@', t.release)
      .replaceAll('@COMMIT@', t.commit);
  }
  if (def.build) {
    return generateSpec(def, { version: t.version, release: t.release, tag: t.tag, commit: t.commit });
  }
  return buildError(def, 'the package has neither spec nor build');
}

/**
 * Builds the tag's RPM and returns its bytes (unsigned) and file name. The build tree is removed
 * afterwards whatever happens; the log stays at `logPath`.
 */
export async function buildRpm(
  req: RpmBuildRequest,
): Promise<{ value?: { filename: string; rpm: Buffer }; diagnostics: Diagnostic[] }> {
  const { def, tag: t } = req;
  const mode = req.sandbox;
  const missing = missingTools(mode === 'off' ? ['rpmbuild'] : ['rpmbuild', 'bwrap']);
  if (missing.length) return { diagnostics: missing.map((tool) => toolMissing(tool)) };
  const spec = await specFor(def, req.gitDir, t);
  if (typeof spec !== 'string') return { diagnostics: [spec] };
  const tree = await mkdtemp(join(tmpdir(), `aare-build-${def.name}-`));
  try {
    for (const d of ['SOURCES', 'SPECS', 'BUILD', 'RPMS', 'BUILDROOT']) await mkdir(join(tree, d));
    const prefix = `${def.name}-${t.version}`;
    await archiveTag(req.gitDir, t, prefix, join(tree, 'SOURCES', `${prefix}.tar.gz`));
    await writeFile(join(tree, 'SPECS', `${def.name}.spec`), spec + '\n');
    const ran = await runSandboxed(
      {
        tool: 'rpmbuild',
        command: (top) => ({ args: rpmbuildArgs(top, def, t), env: buildEnv(top, t.time) }),
        tree,
        hide: req.hide,
        logPath: req.logPath,
        signal: req.signal,
      },
      mode,
    );
    if ('diagnostics' in ran) return { diagnostics: ran.diagnostics };
    if (ran.code !== 0) {
      const log = await readFile(req.logPath, 'utf8').catch(() => '');
      const tail = log.trim().split('\n').slice(-8).join('\n');
      return {
        diagnostics: [
          {
            ...buildError(
              def,
              `rpmbuild failed for ${t.tag} (exit ${ran.code}); build log: ${relative(process.cwd(), req.logPath)}`,
            ),
            detail: tail,
          },
        ],
      };
    }
    return await builtRpm(def, t, join(tree, 'RPMS'), req.logPath);
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}

/**
 * The RPM the build wrote for this package. Every RPM in the output must be named as the package
 * definition declares (a spec cannot slip another package, e.g. one that shadows a system package,
 * into a shared repository); files that are not regular files are never read (the build tree was
 * writable by the build, so a symlink there could point at a file of Aare's).
 */
async function builtRpm(
  def: PackageDef,
  t: TagInfo,
  dir: string,
  logPath: string,
): Promise<{ value?: { filename: string; rpm: Buffer }; diagnostics: Diagnostic[] }> {
  const found: { filename: string; name: string }[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const filename of (await readdir(dir)).sort()) {
    if (!filename.endsWith('.rpm')) continue;
    const path = join(dir, filename);
    if (!(await lstat(path)).isFile()) {
      diagnostics.push(
        buildError(def, `the build of ${t.tag} wrote ${filename}, which is not a regular file`),
      );
      continue;
    }
    try {
      const name = (await readRpmFile(path)).header.tags.get(RPMTAG.NAME);
      found.push({ filename, name: Array.isArray(name) && typeof name[0] === 'string' ? name[0] : '' });
    } catch (err) {
      if (!(err instanceof RpmFormatError)) throw err;
      diagnostics.push(
        buildError(def, `the build of ${t.tag} wrote ${filename}, which is not an RPM: ${err.message}`),
      );
    }
  }
  for (const f of found.filter((x) => x.name !== def.name)) {
    diagnostics.push(
      buildError(
        def,
        `the build of ${t.tag} produced package '${f.name}' (${f.filename}), which packages/${def.name}.yaml does not declare: a package definition builds only the package of its own name, ${def.name}`,
      ),
    );
  }
  if (diagnostics.length) return { diagnostics };
  const main = found.find((f) => f.filename.startsWith(`${def.name}-${t.version}-`)) ?? found[0];
  if (!main) {
    return { diagnostics: [buildError(def, `rpmbuild wrote no RPM for ${t.tag}; build log: ${logPath}`)] };
  }
  return {
    value: { filename: main.filename, rpm: await readFile(join(dir, main.filename)) },
    diagnostics: [],
  };
}
