// Upstream mirrors on the Pulp back end (docs/repositories.md, "Mirrors on Pulp"). A remote is a
// pulp_rpm remote `<prefix><name>` (policy immediate) attached to the shared repository of the
// same name; the upstream's armored key is kept in that repository's description. Pulp's sync
// does not check repomd.xml signatures, so Aare checks the signature (and primary.xml's digest)
// itself first, then lets Pulp mirror, then compares what Pulp took with the packages the signed
// primary.xml lists: a version that differs (the upstream changed in between) is deleted again.
import { error } from '../diag/index.js';
import type { Diagnostic, Result } from '../diag/index.js';
import { DiagnosticsError } from '../diag/index.js';
import { NAME, notFound } from './repo-context.js';
import type { PulpClient } from './pulp-client.js';
import type { AddRemoteOptions, RemoteInfo } from './repo-remotes.js';
import type { RepoMirrors } from './repo-service.js';
import { readSignedUpstream } from './repo-sync.js';
import type { SyncOptions, SyncProgress, SyncReport } from './repo-sync.js';
import { readPublicKeys } from './signing-key.js';
import { fetchBytes } from './upstream-fetch.js';

interface PulpRemote {
  pulp_href: string;
  name: string;
  url: string;
  policy: string;
}
interface MirrorRepo {
  pulp_href: string;
  name: string;
  latest_version_href: string;
  pulp_labels: Record<string, string>;
  description: string | null;
  remote: string | null;
}
interface MirrorPackage {
  pulp_href: string;
  pkgId: string;
  size_package: number;
}

export interface PulpMirrorDeps {
  pulp: PulpClient;
  prefix: string;
  findRepo(name: string): Promise<MirrorRepo | undefined>;
  packagesAt(versionHref: string): Promise<MirrorPackage[]>;
}

const SYNCED = 'aare_synced_ms';
const refuse = (...diagnostics: Diagnostic[]) => ({ value: undefined, diagnostics });
const versionNumber = (href: string) => Number(/\/versions\/(\d+)\/$/.exec(href)?.[1]);
const fingerprints = async (armored: string) =>
  (await readPublicKeys(armored)).map((k) => k.getFingerprint().toUpperCase());

export function openPulpMirrors(deps: PulpMirrorDeps): RepoMirrors {
  const { pulp, prefix } = deps;
  const remoteNamed = async (name: string) =>
    (await pulp.list<PulpRemote>(`remotes/rpm/rpm/?name=${encodeURIComponent(prefix + name)}`))[0];

  async function addRemote(
    name: string,
    url: string,
    opts: AddRemoteOptions,
  ): Promise<Result<RemoteInfo | undefined>> {
    const policy = opts.policy ?? 'immediate';
    if (!NAME.test(name))
      return refuse(error('USAGE', `remote name '${name}' must match ${NAME.source}`, { field: 'name' }));
    if (!/^https?:\/\/[^/]/i.test(url)) {
      return refuse(
        error('USAGE', `the upstream URL must be http:// or https://, got '${url}'`, { field: 'url' }),
      );
    }
    if (policy !== 'immediate') {
      return refuse(
        error(
          'MIRROR_UNSUPPORTED',
          `the ${String(policy)} policy is not supported; use immediate (every package is checked before it is served)`,
          { field: 'policy' },
        ),
      );
    }
    let armored: string;
    let keys: string[];
    try {
      armored = (await fetchBytes(opts.gpgKey)).toString('utf8');
    } catch (err) {
      if (err instanceof DiagnosticsError) return refuse(...err.diagnostics);
      throw err;
    }
    try {
      keys = await fingerprints(armored);
    } catch (err) {
      return refuse(
        error(
          'MIRROR_SIGNATURE',
          `${opts.gpgKey} is not an armored OpenPGP public key (${(err as Error).message})`,
          { field: 'gpgkey' },
        ),
      );
    }
    if (await deps.findRepo(name)) {
      return refuse(
        error(
          'CONFLICT',
          `a repository named '${name}' already exists; a remote makes its own shared repository`,
          { field: 'name' },
        ),
      );
    }
    const base = url.endsWith('/') ? url : `${url}/`;
    // a remote left behind by a repository deleted outside Aare is taken over
    const stale = await remoteNamed(name);
    const remote = stale
      ? (await pulp.call('PATCH', stale.pulp_href, { url: base, policy }), stale)
      : await pulp.call<PulpRemote>('POST', 'remotes/rpm/rpm/', { name: prefix + name, url: base, policy });
    try {
      await pulp.call('POST', 'repositories/rpm/rpm/', {
        name: prefix + name,
        remote: remote.pulp_href,
        description: armored,
        pulp_labels: { aare_customer: '' },
      });
    } catch (err) {
      await pulp.call('DELETE', remote.pulp_href);
      throw err;
    }
    return {
      value: { name, url: base, policy, keyFingerprints: keys, lastSyncedAt: null },
      diagnostics: [],
    };
  }

  async function mirrorRepos(): Promise<MirrorRepo[]> {
    const repos = await pulp.list<MirrorRepo>(
      `repositories/rpm/rpm/?name__startswith=${encodeURIComponent(prefix)}`,
    );
    return repos
      .filter((r) => r.remote !== null && r.description && !r.name.slice(prefix.length).includes('@'))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async function remotes(): Promise<RemoteInfo[]> {
    const out: RemoteInfo[] = [];
    for (const r of await mirrorRepos()) {
      const remote = await pulp.get<PulpRemote>(r.remote!);
      const ms = r.pulp_labels[SYNCED];
      out.push({
        name: r.name.slice(prefix.length),
        url: remote.url,
        policy: 'immediate',
        keyFingerprints: await fingerprints(r.description!),
        lastSyncedAt: ms ? new Date(Number(ms)).toISOString() : null,
      });
    }
    return out;
  }

  async function syncOne(repo: MirrorRepo, opts: SyncOptions): Promise<SyncReport> {
    const name = repo.name.slice(prefix.length);
    const remote = await pulp.get<PulpRemote>(repo.remote!);
    const progress: SyncProgress = {
      remote: name,
      phase: 'metadata',
      packagesDone: 0,
      packagesTotal: 0,
      bytesDone: 0,
      bytesTotal: 0,
    };
    opts.onProgress?.({ ...progress });
    const upstream = await readSignedUpstream(remote.url, repo.description!, opts.signal);
    const wanted = new Set(upstream.packages.map((p) => p.sha256));
    const before = repo.latest_version_href;
    const held = new Set((await deps.packagesAt(before)).map((p) => p.pkgId));
    progress.phase = 'packages';
    progress.packagesTotal = [...wanted].filter((s) => !held.has(s)).length;
    progress.bytesTotal = upstream.packages
      .filter((p) => !held.has(p.sha256))
      .reduce((n, p) => n + p.size, 0);
    opts.onProgress?.({ ...progress });

    let task;
    try {
      // mirror_content_only: the version holds exactly the upstream's packages; Aare publishes
      // it with its own signing service, never the upstream's metadata
      task = await pulp.runTask(`${repo.pulp_href}sync/`, {
        remote: remote.pulp_href,
        sync_policy: 'mirror_content_only',
      });
    } catch (err) {
      if (!(err instanceof DiagnosticsError)) throw err;
      throw new DiagnosticsError(
        err.diagnostics.map((d) =>
          error(
            d.code as Parameters<typeof error>[0],
            `sync of remote '${name}' from ${remote.url} failed in Pulp; the previous version stays: ${d.summary}`,
            { field: name },
          ),
        ),
      );
    }
    const after = (await pulp.get<MirrorRepo>(repo.pulp_href)).latest_version_href;
    const now = await deps.packagesAt(after);
    if (after !== before) {
      const took = new Set(now.map((p) => p.pkgId));
      if (took.size !== wanted.size || [...wanted].some((s) => !took.has(s))) {
        await pulp.call('DELETE', after);
        throw new DiagnosticsError([
          error(
            'MIRROR_DIGEST',
            `${remote.url} changed while Pulp synced it: what Pulp fetched is not what the signed repomd.xml listed; the previous version stays`,
            { field: name },
          ),
        ]);
      }
    }
    const downloaded = task.progress_reports?.find((r) => r.code === 'sync.downloading.artifacts')?.done ?? 0;
    const added = now.filter((p) => !held.has(p.pkgId));
    progress.phase = 'commit';
    progress.packagesDone = downloaded;
    progress.bytesDone = downloaded > 0 ? added.reduce((n, p) => n + p.size_package, 0) : 0;
    opts.onProgress?.({ ...progress });
    const fresh = await pulp.get<MirrorRepo>(repo.pulp_href);
    await pulp.call('PATCH', repo.pulp_href, {
      pulp_labels: { ...fresh.pulp_labels, [SYNCED]: String(Date.now()) },
    });
    return {
      remote: name,
      ...(after !== before ? { version: versionNumber(after) } : {}),
      packages: now.length,
      downloaded,
      downloadedBytes: progress.bytesDone,
      reused: added.length - downloaded > 0 ? added.length - downloaded : 0,
    };
  }

  async function sync(names: string[], opts: SyncOptions = {}): Promise<Result<SyncReport[]>> {
    const all = await mirrorRepos();
    const missing = names.filter((n) => !all.some((r) => r.name === prefix + n));
    if (missing.length) {
      return { value: [], diagnostics: missing.map((m) => notFound(`no remote named '${m}'`, 'remote')) };
    }
    const chosen = names.length ? all.filter((r) => names.includes(r.name.slice(prefix.length))) : all;
    const reports: SyncReport[] = [];
    const diagnostics: Diagnostic[] = [];
    for (const repo of chosen) {
      try {
        reports.push(await syncOne(repo, opts));
      } catch (err) {
        if (!(err instanceof DiagnosticsError)) throw err;
        diagnostics.push(...err.diagnostics);
      }
    }
    return { value: reports, diagnostics };
  }

  return { addRemote, remotes, sync };
}
