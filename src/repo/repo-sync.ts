// Sync of upstream mirrors: repomd.xml (its signature checked against the remote's key), the
// primary.xml it names (its digest checked), then every package not yet held (each checked
// against the sha256 and size primary.xml gives), then one new immutable version of the
// remote's shared repository holding exactly the upstream's packages.
//
// What a failure leaves behind: the previous version, untouched and still served. Packages that
// were downloaded and verified stay in a content-addressed staging area
// (<stateDir>/mirror-staging/<remote>/<sha256>, which prune never touches), so the next sync resumes without downloading
// any of them again. A file being downloaded is named `<sha256>.tmp-<pid>-<random>`; one whose
// process is gone is removed by the next sync.
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { link, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as openpgp from 'openpgp';
import { createHash } from 'node:crypto';
import { DiagnosticsError, error } from '../diag/index.js';
import type { Diagnostic, Result } from '../diag/index.js';
import { nowIso } from '../store/index.js';
import { artifactPathIn, notFound, TMP_MARK } from './repo-context.js';
import type { RepoServiceOptions } from './repo-context.js';
import { findRepository, latestVersionContent } from './repo-queries.js';
import { repoTransaction } from './repo-transaction.js';
import { newVersion } from './repo-versions.js';
import { packageFragments } from './repodata-writer.js';
import type { PackageFragments } from './repodata-writer.js';
import { readRpmFile, RpmFormatError, RPMTAG, tagNumber, tagString } from './rpm-header-reader.js';
import { readPublicKeys } from './signing-key.js';
import { downloadTo, fetchBytes } from './upstream-fetch.js';
import { parsePrimary, parseRepomd, RepodataFormatError } from './upstream-repodata.js';
import type { UpstreamPackage } from './upstream-repodata.js';

/** Progress of one remote's sync; `bytesTotal` counts only what must be downloaded. */
export interface SyncProgress {
  remote: string;
  phase: 'metadata' | 'packages' | 'commit';
  packagesDone: number;
  packagesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface SyncReport {
  remote: string;
  /** The new version, or undefined when the upstream held nothing new. */
  version?: number;
  packages: number;
  downloaded: number;
  downloadedBytes: number;
  /** Packages found already verified (stored, or staged by an interrupted sync). */
  reused: number;
}

export interface SyncOptions {
  onProgress?: (p: SyncProgress) => void;
  signal?: AbortSignal;
  /** Parallel package downloads (8). */
  concurrency?: number;
}

export const stagingDirIn = (stateDir: string): string => join(stateDir, 'mirror-staging');

/**
 * Syncs the named remotes (all when none are named), one after the other. A remote whose sync
 * is refused (unreachable, bad signature, a package that does not match its digest) reports its
 * diagnostics and keeps its previous version; the others still sync.
 */
export async function sync(
  ctx: RepoServiceOptions,
  names: string[],
  opts: SyncOptions = {},
): Promise<Result<SyncReport[]>> {
  const rows = await ctx.store.db.selectFrom('repo_remotes').selectAll().orderBy('name').execute();
  const missing = names.filter((n) => !rows.some((r) => r.name === n));
  if (missing.length) {
    return { value: [], diagnostics: missing.map((m) => notFound(`no remote named '${m}'`, 'remote')) };
  }
  const chosen = names.length ? rows.filter((r) => names.includes(r.name)) : rows;
  const reports: SyncReport[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const remote of chosen) {
    try {
      reports.push(await syncOne(ctx, remote, opts));
    } catch (err) {
      if (!(err instanceof DiagnosticsError)) throw err;
      diagnostics.push(...err.diagnostics);
    }
  }
  return { value: reports, diagnostics };
}

type RemoteRow = { name: string; url: string; gpg_key: string; last_repomd_sha256: string | null };

const refused = (code: Parameters<typeof error>[0], summary: string, field: string): DiagnosticsError =>
  new DiagnosticsError([error(code, summary, { field })]);

async function syncOne(ctx: RepoServiceOptions, remote: RemoteRow, opts: SyncOptions): Promise<SyncReport> {
  const signal = opts.signal;
  const progress: SyncProgress = {
    remote: remote.name,
    phase: 'metadata',
    packagesDone: 0,
    packagesTotal: 0,
    bytesDone: 0,
    bytesTotal: 0,
  };
  opts.onProgress?.({ ...progress });
  const at = (href: string) => new URL(href, remote.url).toString();

  const { repomdSha, packages } = await readSignedUpstream(remote.url, remote.gpg_key, signal);
  const byFile = new Map<string, UpstreamPackage>();
  for (const p of packages) {
    const filename = `${p.name}-${p.version}-${p.release}.${p.arch}.rpm`;
    const other = byFile.get(filename);
    if (other && other.sha256 !== p.sha256) {
      throw refused(
        'MIRROR_METADATA',
        `the upstream lists ${filename} twice with different content`,
        at(p.href),
      );
    }
    byFile.set(filename, p);
  }
  const wanted = [...new Map(packages.map((p) => [p.sha256, p])).values()];

  // 3. packages: stored already, staged by an earlier sync, or downloaded now
  const stagingDir = join(stagingDirIn(ctx.stateDir), remote.name);
  await mkdir(stagingDir, { recursive: true });
  await removeAbandonedDownloads(stagingDir);
  const stored = await storedShas(
    ctx,
    wanted.map((p) => p.sha256),
  );
  const staged = new Set<string>();
  const toFetch: UpstreamPackage[] = [];
  for (const p of wanted) {
    if (stored.has(p.sha256)) continue;
    const s = await stat(join(stagingDir, p.sha256)).catch(() => undefined);
    if (s?.size === p.size) staged.add(p.sha256);
    else toFetch.push(p);
  }
  progress.phase = 'packages';
  progress.packagesTotal = toFetch.length;
  progress.bytesTotal = toFetch.reduce((n, p) => n + p.size, 0);
  opts.onProgress?.({ ...progress });
  const problems: Diagnostic[] = [];
  const headers = new Map<string, Fresh>();
  const readHeader = async (p: UpstreamPackage) => {
    const staged = await readStaged(join(stagingDir, p.sha256), p, at(p.href));
    headers.set(p.sha256, { sha256: p.sha256, filename: filenameOf(staged.nevra), size: p.size, ...staged });
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(opts.concurrency ?? 8, toFetch.length) }, async () => {
      while (next < toFetch.length && !signal?.aborted) {
        const p = toFetch[next++]!;
        try {
          await downloadPackage(
            p,
            at(p.href),
            stagingDir,
            (n) => {
              progress.bytesDone += n;
              opts.onProgress?.({ ...progress });
            },
            signal,
          );
          staged.add(p.sha256);
          // read while other downloads wait on the network
          await readHeader(p);
          progress.packagesDone++;
          opts.onProgress?.({ ...progress });
        } catch (err) {
          if (!(err instanceof DiagnosticsError)) throw err;
          problems.push(...err.diagnostics);
        }
      }
    }),
  );
  signal?.throwIfAborted();
  if (problems.length) throw new DiagnosticsError(problems);

  // 4. headers of the staged packages (those downloaded now were read as they arrived)
  for (const p of wanted) if (staged.has(p.sha256) && !headers.has(p.sha256)) await readHeader(p);
  const fresh = wanted.filter((p) => staged.has(p.sha256)).map((p) => headers.get(p.sha256)!);

  // 5. one new version with exactly the upstream's packages, unless that is what the latest holds
  progress.phase = 'commit';
  opts.onProgress?.({ ...progress });
  const version = await repoTransaction(ctx.store, async (trx) => {
    const repo = await findRepository(trx, remote.name);
    if (!repo)
      throw refused('NOT_FOUND', `the repository of remote '${remote.name}' was deleted`, remote.name);
    for (const f of fresh) {
      await trx
        .insertInto('repo_artifacts')
        .values({
          sha256: f.sha256,
          size: f.size,
          filename: f.filename,
          ...f.nevra,
          mtime: f.mtime,
          stored_at: nowIso(),
          primary_xml: f.fragments.primary,
          filelists_xml: f.fragments.filelists,
          other_xml: f.fragments.other,
        })
        .onConflict((oc) => oc.column('sha256').doNothing())
        .execute();
      await placeArtifact(join(stagingDir, f.sha256), artifactPathIn(ctx.stateDir, f.sha256));
    }
    const { latest, content } = await latestVersionContent(trx, repo.id);
    const now = new Set(content.map((c) => c.sha256));
    const same = now.size === wanted.length && wanted.every((p) => now.has(p.sha256));
    const number = same
      ? undefined
      : await newVersion(
          trx,
          repo.id,
          latest.number,
          wanted.map((p) => p.sha256),
        );
    await trx
      .updateTable('repo_remotes')
      .set({ last_repomd_sha256: repomdSha, last_synced_at: nowIso() })
      .where('name', '=', remote.name)
      .execute();
    return number;
  });
  // committed packages are in the store now; packages the upstream dropped before a resumed
  // sync could finish are not wanted any more
  const keep = new Set(wanted.map((p) => p.sha256));
  for (const name of await readdir(stagingDir)) {
    if (!name.includes(TMP_MARK) && (staged.has(name) || !keep.has(name)))
      await rm(join(stagingDir, name), { force: true });
  }
  return {
    remote: remote.name,
    version,
    packages: wanted.length,
    downloaded: progress.packagesDone,
    downloadedBytes: progress.bytesDone,
    reused: wanted.length - progress.packagesDone,
  };
}

interface Fresh {
  sha256: string;
  filename: string;
  size: number;
  mtime: number;
  fragments: PackageFragments;
  nevra: Nevra;
}

interface Nevra {
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
}

const filenameOf = (n: Nevra) => `${n.name}-${n.version}-${n.release}.${n.arch}.rpm`;

/**
 * The upstream's repomd.xml, its signature checked against `armoredKeys`, and the packages the
 * primary.xml it names lists (that file's digest checked). Shared with the Pulp back end, whose
 * sync does not check repomd.xml signatures (docs/repositories.md).
 */
export async function readSignedUpstream(
  baseUrl: string,
  armoredKeys: string,
  signal?: AbortSignal,
): Promise<{ repomdSha: string; packages: UpstreamPackage[] }> {
  const at = (href: string) => new URL(href, baseUrl).toString();
  const repomdUrl = at('repodata/repomd.xml');
  const repomd = await fetchBytes(repomdUrl, signal);
  const asc = await fetchBytes(at('repodata/repomd.xml.asc'), signal).catch((err: unknown) => {
    if (err instanceof DiagnosticsError) {
      throw refused('MIRROR_SIGNATURE', `${repomdUrl} is not signed (no repomd.xml.asc): refused`, repomdUrl);
    }
    throw err;
  });
  await verifyRepomd(repomd, asc.toString('utf8'), armoredKeys, repomdUrl);
  return {
    repomdSha: createHash('sha256').update(repomd).digest('hex'),
    packages: await readUpstreamPackages(repomd, at, signal),
  };
}

async function verifyRepomd(
  repomd: Buffer,
  armoredSignature: string,
  armoredKeys: string,
  url: string,
): Promise<void> {
  const keys = await readPublicKeys(armoredKeys);
  let ok = false;
  let why = 'does not verify against the remote key';
  try {
    const signature = await openpgp.readSignature({ armoredSignature });
    const result = await openpgp.verify({
      message: await openpgp.createMessage({ binary: repomd }),
      signature,
      verificationKeys: keys,
      expectSigned: false,
    });
    for (const s of result.signatures) {
      try {
        await s.verified;
        ok = true;
      } catch {
        why = `is signed by key ${s.keyID.toHex().toUpperCase()}, and does not verify against the remote key`;
      }
    }
  } catch (err) {
    why = `has a signature that does not parse (${(err as Error).message})`;
  }
  if (!ok) throw refused('MIRROR_SIGNATURE', `${url} ${why}: refused, the previous version stays`, url);
}

async function readUpstreamPackages(
  repomd: Buffer,
  at: (href: string) => string,
  signal?: AbortSignal,
): Promise<UpstreamPackage[]> {
  try {
    const entry = parseRepomd(repomd.toString('utf8')).find((e) => e.type === 'primary');
    if (!entry) throw new RepodataFormatError('repomd.xml names no primary metadata');
    const url = at(entry.href);
    const raw = await fetchBytes(url, signal);
    if (createHash('sha256').update(raw).digest('hex') !== entry.sha256) {
      throw refused('MIRROR_DIGEST', `${url} does not match the sha256 the signed repomd.xml names`, url);
    }
    let xml: Buffer;
    if (entry.href.endsWith('.gz')) xml = gunzipSync(raw);
    else if (entry.href.endsWith('.xml')) xml = raw;
    else {
      throw new RepodataFormatError(
        `${entry.href} is compressed in a form Aare does not read (it reads .xml and .xml.gz; createrepo_c --general-compress-type=gz)`,
      );
    }
    return parsePrimary(xml.toString('utf8'));
  } catch (err) {
    if (err instanceof RepodataFormatError)
      throw refused('MIRROR_METADATA', err.message, at('repodata/repomd.xml'));
    throw err;
  }
}

async function downloadPackage(
  p: UpstreamPackage,
  url: string,
  stagingDir: string,
  onBytes: (n: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  const dest = join(stagingDir, p.sha256);
  const tmp = `${dest}${TMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const got = await downloadTo(url, tmp, onBytes, signal);
    if (got.sha256 !== p.sha256 || got.size !== p.size) {
      throw refused(
        'MIRROR_DIGEST',
        `${url} does not match the signed repodata (sha256 ${got.sha256.slice(0, 12)}, ${got.size} bytes; expected ${p.sha256.slice(0, 12)}, ${p.size} bytes): refused, the previous version stays`,
        url,
      );
    }
    await rename(tmp, dest);
  } finally {
    await rm(tmp, { force: true });
  }
}

async function readStaged(
  file: string,
  p: UpstreamPackage,
  url: string,
): Promise<{ nevra: Nevra; fragments: PackageFragments; mtime: number }> {
  let rpm;
  try {
    rpm = await readRpmFile(file);
  } catch (err) {
    if (!(err instanceof RpmFormatError)) throw err;
    await rm(file, { force: true });
    throw refused('MIRROR_METADATA', `${url} is not a valid RPM (${err.message})`, url);
  }
  const h = rpm.header;
  const nevra: Nevra = {
    name: tagString(h, RPMTAG.NAME),
    epoch: tagNumber(h, RPMTAG.EPOCH) ?? 0,
    version: tagString(h, RPMTAG.VERSION),
    release: tagString(h, RPMTAG.RELEASE),
    arch: h.tags.has(RPMTAG.SOURCEPACKAGE) ? 'src' : tagString(h, RPMTAG.ARCH),
  };
  if (nevra.name !== p.name || nevra.version !== p.version || nevra.release !== p.release) {
    throw refused('MIRROR_METADATA', `${url} is ${filenameOf(nevra)}, not what primary.xml says`, url);
  }
  const mtime = Math.floor((await stat(file)).mtimeMs / 1000);
  return { nevra, fragments: packageFragments(rpm, `Packages/${filenameOf(nevra)}`, mtime), mtime };
}

/** Which of `shas` the store holds already (their artifact files are in place). */
async function storedShas(ctx: RepoServiceOptions, shas: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < shas.length; i += 500) {
    const rows = await ctx.store.db
      .selectFrom('repo_artifacts')
      .select('sha256')
      .where('sha256', 'in', shas.slice(i, i + 500))
      .execute();
    for (const r of rows) out.add(r.sha256);
  }
  return out;
}

/** A hard link: `dest` appears whole or not at all, and a retried transaction finds it in place. */
async function placeArtifact(staged: string, dest: string): Promise<void> {
  if (await stat(dest).catch(() => undefined)) return;
  await mkdir(dirname(dest), { recursive: true });
  try {
    await link(staged, dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** Removes partial downloads whose process has ended (killed, or crashed). */
async function removeAbandonedDownloads(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const mark = name.indexOf(TMP_MARK);
    if (mark < 0) continue;
    const pid = Number(name.slice(mark + TMP_MARK.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) continue;
    if (pid === process.pid) continue;
    await rm(join(dir, name), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
