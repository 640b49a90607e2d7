// The repository service carried out by Pulp 3 (pulp_rpm) through its REST API. Aare still checks
// every RPM itself (format, payload digest, trusted signature) before Pulp sees it, so a refusal
// reads the same on both back ends. Mapping (docs/repository.md, "The Pulp back end"):
//   repository <name>        -> rpm repository `<prefix><name>`, label aare_customer
//   version N                -> the repository's version N
//   snapshot <s>             -> label aare_snap_<s>=<N>.<ms> on each frozen repository
//   distribution <c>/<e>     -> a repository `<prefix>@<c>/<e>` holding the union of the source
//                               versions, published with the metadata signing service, and a
//                               distribution at base path `<basePathPrefix><c>/<e>` (labels name
//                               the source versions and snapshot)
import type { Diagnostic, Result } from '../diag/index.js';
import { DiagnosticsError, error } from '../diag/index.js';
import { NAME, notFound } from './repo-context.js';
import { diffContent } from './repo-diff.js';
import type { DistributionInfo } from './repo-distributions.js';
import type { PrunePolicy, PruneReport } from './repo-prune.js';
import type { PackageRef } from './repo-queries.js';
import type { RepoService } from './repo-service.js';
import type { SnapshotInfo } from './repo-snapshots.js';
import type { UploadOutcome, VersionInfo } from './repo-versions.js';
import { checkRpm } from './rpm-verifier.js';
import type { PublicKey } from 'openpgp';
import { openPulpClient } from './pulp-client.js';
import { openPulpMirrors } from './pulp-mirrors.js';
import type { PulpClient, PulpConnection } from './pulp-client.js';

export interface PulpRepoOptions extends PulpConnection {
  /** Name of the signing service (created on the Pulp server) that signs repomd.xml. */
  signingService: string;
  /** Keys whose RPM signatures uploads accept (the provider's public key(s)). */
  trustedKeys: PublicKey[];
  /** Prefix of the Pulp repository and distribution names Aare owns (default `aare-`). */
  namePrefix?: string;
  /** Prefix of the distributions' base paths (default none: `<customer>/<environment>`). */
  basePathPrefix?: string;
}

interface PulpRepo {
  pulp_href: string;
  name: string;
  latest_version_href: string;
  pulp_labels: Record<string, string>;
  versions_href: string;
  description: string | null;
  /** Set on a mirror's shared repository (pulp-mirrors.ts). */
  remote: string | null;
}
interface PulpVersion {
  pulp_href: string;
  number: number;
  pulp_created: string;
  content_summary: { present: Record<string, { count: number }> };
}
interface PulpPackage {
  pulp_href: string;
  pkgId: string;
  location_href: string;
  name: string;
  epoch: string;
  version: string;
  release: string;
  arch: string;
  size_package: number;
}
interface PulpDistribution {
  pulp_href: string;
  name: string;
  base_path: string;
  base_url: string;
  publication: string | null;
  pulp_labels: Record<string, string>;
  pulp_last_updated: string;
}

const SNAP = 'aare_snap_';
// label keys allow word characters only: other characters of a snapshot name become _xx (hex)
const snapKey = (name: string) =>
  SNAP + name.replace(/[^a-z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16)}`);
const snapName = (key: string) =>
  key.slice(SNAP.length).replace(/_([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
const encodeVersions = (v: Record<string, number>) =>
  Object.entries(v)
    .map(([r, n]) => `${r}:${n}`)
    .join(';');
const decodeVersions = (s: string | undefined): Record<string, number> =>
  Object.fromEntries(
    (s ?? '')
      .split(';')
      .filter(Boolean)
      .map((e) => [e.slice(0, e.lastIndexOf(':')), Number(e.slice(e.lastIndexOf(':') + 1))]),
  );
const versionNumber = (href: string) => Number(/\/versions\/(\d+)\/$/.exec(href)?.[1]);
const fail = <T>(d: Diagnostic): Result<T | undefined> => ({ value: undefined, diagnostics: [d] });
const PKG_FIELDS = 'fields=pulp_href,pkgId,location_href,name,epoch,version,release,arch,size_package';

export function openPulpRepoService(opts: PulpRepoOptions): RepoService {
  const pulp: PulpClient = openPulpClient(opts);
  const prefix = opts.namePrefix ?? 'aare-';
  const basePrefix = opts.basePathPrefix ?? '';
  let signingHref: Promise<string> | undefined;

  const allRepos = () =>
    pulp.list<PulpRepo>(`repositories/rpm/rpm/?name__startswith=${encodeURIComponent(prefix)}`);
  const ownRepos = async () =>
    (await allRepos()).filter(
      (r) => !r.name.slice(prefix.length).includes('@') && 'aare_customer' in r.pulp_labels,
    );
  const findRepo = async (name: string) =>
    (await pulp.list<PulpRepo>(`repositories/rpm/rpm/?name=${encodeURIComponent(prefix + name)}`))[0];
  const packagesAt = async (versionHref: string): Promise<PulpPackage[]> =>
    pulp.list<PulpPackage>(
      `content/rpm/packages/?repository_version=${encodeURIComponent(versionHref)}&${PKG_FIELDS}`,
    );
  const toRef = (p: PulpPackage): PackageRef => ({
    sha256: p.pkgId,
    filename: p.location_href.slice(p.location_href.lastIndexOf('/') + 1),
    name: p.name,
    epoch: Number(p.epoch) || 0,
    version: p.version,
    release: p.release,
    arch: p.arch,
    size: p.size_package,
  });
  const signingService = () =>
    (signingHref ??= (async () => {
      const found = await pulp.list<{ pulp_href: string }>(
        `signing-services/?name=${encodeURIComponent(opts.signingService)}`,
      );
      if (!found[0]) {
        signingHref = undefined;
        throw new DiagnosticsError([
          error('PULP_CONFIG', `Pulp has no signing service '${opts.signingService}'`, {
            field: 'repositories.signingService',
          }),
        ]);
      }
      return found[0].pulp_href;
    })());
  const modify = async (repo: PulpRepo, body: Record<string, unknown>) => {
    const created = await pulp.call<string[]>('POST', `${repo.pulp_href}modify/`, body);
    const v = created.find((h) => h.includes('/versions/'));
    return v === undefined ? undefined : versionNumber(v);
  };
  const versionHref = (repo: PulpRepo, n: number) => `${repo.versions_href}${n}/`;
  const hasVersion = async (repo: PulpRepo, n: number) =>
    (await pulp.list<PulpVersion>(`${repo.versions_href}?number=${n}&fields=number`)).length > 0;

  async function uploadMany(
    repository: string,
    files: { file: string; shownAs?: string }[],
  ): Promise<Result<UploadOutcome[] | undefined>> {
    const checked = await Promise.all(
      files.map((f) => checkRpm(f.file, opts.trustedKeys, f.shownAs ?? f.file)),
    );
    const refused = checked.flatMap((c) => c.diagnostics);
    if (refused.length > 0) return { value: undefined, diagnostics: refused };
    const repo = await findRepo(repository);
    if (!repo) return fail(notFound(`no repository named '${repository}'`, 'repository'));
    const stored: { href: string; sha256: string; filename: string; storedNew: boolean }[] = [];
    for (const [i, c] of checked.entries()) {
      const sha256 = c.value!.rpm.sha256;
      const before = await pulp.list<PulpPackage>(`content/rpm/packages/?pkgId=${sha256}&fields=pulp_href`);
      const href = await pulp.uploadPackage(files[i]!.file);
      stored.push({ href, sha256, filename: c.value!.filename, storedNew: before.length === 0 });
    }
    const present = new Set((await packagesAt(repo.latest_version_href)).map((p) => p.pulp_href));
    const adding = stored.filter((s) => !present.has(s.href));
    const version =
      adding.length > 0 ? await modify(repo, { add_content_units: adding.map((s) => s.href) }) : undefined;
    return {
      value: stored.map((s) => ({
        sha256: s.sha256,
        filename: s.filename,
        storedNew: s.storedNew,
        ...(present.has(s.href) ? {} : { version }),
      })),
      diagnostics: [],
    };
  }

  async function snapshots(): Promise<SnapshotInfo[]> {
    const byName = new Map<string, SnapshotInfo>();
    for (const r of await ownRepos()) {
      for (const [k, v] of Object.entries(r.pulp_labels)) {
        if (!k.startsWith(SNAP)) continue;
        const name = snapName(k);
        const [n, ms] = v.split('.');
        const s = byName.get(name) ?? { name, createdAt: new Date(Number(ms)).toISOString(), versions: {} };
        s.versions[r.name.slice(prefix.length)] = Number(n);
        byName.set(name, s);
      }
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  const distName = (customer: string, environment: string) => `${prefix}@${customer}/${environment}`;
  const ownDistributions = () =>
    pulp.list<PulpDistribution>(
      `distributions/rpm/rpm/?name__startswith=${encodeURIComponent(prefix + '@')}`,
    );
  const distInfo = async (d: PulpDistribution): Promise<DistributionInfo> => {
    const pub = d.publication ? await pulp.get<{ repository_version: string }>(d.publication) : undefined;
    const pkgs = pub ? await packagesAt(pub.repository_version) : [];
    return {
      basePath: d.base_path,
      customer: d.pulp_labels.aare_customer ?? '',
      environment: d.pulp_labels.aare_environment ?? '',
      publicationId: pub ? versionNumber(pub.repository_version) : 0,
      snapshot: d.pulp_labels.aare_snapshot || null,
      updatedAt: d.pulp_last_updated,
      versions: decodeVersions(d.pulp_labels.aare_versions),
      packages: [...new Set(pkgs.map((p) => p.name))].sort(),
      url: d.base_url,
    };
  };

  async function distribute(
    customer: string,
    environment: string,
    o: { snapshot?: string } = {},
  ): Promise<Result<DistributionInfo | undefined>> {
    if (!NAME.test(customer) || !NAME.test(environment)) {
      return fail(
        error('USAGE', `customer and environment names must match ${NAME.source}`, { field: 'environment' }),
      );
    }
    const repos = (await ownRepos()).filter((r) =>
      ['', customer].includes(r.pulp_labels.aare_customer ?? ''),
    );
    if (!repos.some((r) => r.pulp_labels.aare_customer === customer)) {
      return fail(notFound(`customer '${customer}' has no repository`, 'customer'));
    }
    let sources: [PulpRepo, number][];
    if (o.snapshot !== undefined) {
      const key = snapKey(o.snapshot);
      if (!repos.some((r) => key in r.pulp_labels))
        return fail(notFound(`no snapshot named '${o.snapshot}'`, 'snapshot'));
      sources = repos
        .filter((r) => key in r.pulp_labels)
        .map((r) => [r, Number(r.pulp_labels[key]!.split('.')[0])]);
    } else {
      sources = repos.map((r) => [r, versionNumber(r.latest_version_href)]);
    }
    const versions = Object.fromEntries(
      sources
        .map(([r, n]) => [r.name.slice(prefix.length), n] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
    const hrefs = (await Promise.all(sources.map(([r, n]) => packagesAt(versionHref(r, n)))))
      .flat()
      .map((p) => p.pulp_href);
    const name = distName(customer, environment);
    const labels = { aare_customer: customer, aare_environment: environment };
    let holder = (await pulp.list<PulpRepo>(`repositories/rpm/rpm/?name=${encodeURIComponent(name)}`))[0];
    if (!holder) {
      holder = await pulp.call<PulpRepo>('POST', 'repositories/rpm/rpm/', {
        name,
        pulp_labels: labels,
        metadata_signing_service: await signingService(),
        retain_repo_versions: 2,
      });
    }
    await modify(holder, { remove_content_units: ['*'], add_content_units: [...new Set(hrefs)] });
    holder = await pulp.get<PulpRepo>(holder.pulp_href);
    const created = await pulp.call<string[]>('POST', 'publications/rpm/rpm/', {
      repository_version: holder.latest_version_href,
    });
    const publication = created.find((h) => h.includes('/publications/'))!;
    const distLabels = {
      ...labels,
      aare_snapshot: o.snapshot ?? '',
      aare_versions: encodeVersions(versions),
    };
    const existing = (
      await pulp.list<PulpDistribution>(`distributions/rpm/rpm/?name=${encodeURIComponent(name)}`)
    )[0];
    if (existing) {
      await pulp.call('PATCH', existing.pulp_href, { publication, pulp_labels: distLabels });
    } else {
      await pulp.call('POST', 'distributions/rpm/rpm/', {
        name,
        base_path: `${basePrefix}${customer}/${environment}`,
        publication,
        pulp_labels: distLabels,
      });
    }
    const d = (
      await pulp.list<PulpDistribution>(`distributions/rpm/rpm/?name=${encodeURIComponent(name)}`)
    )[0]!;
    return { value: await distInfo(d), diagnostics: [] };
  }

  async function prune(policy: PrunePolicy = {}): Promise<PruneReport> {
    const keepN = Math.max(1, policy.keepVersions ?? 1);
    const now = Date.parse(policy.now ?? new Date().toISOString());
    const held = new Set<string>();
    for (const s of await snapshots()) for (const [r, n] of Object.entries(s.versions)) held.add(`${r}@${n}`);
    const dists = await ownDistributions();
    for (const d of dists)
      for (const [r, n] of Object.entries(decodeVersions(d.pulp_labels.aare_versions))) held.add(`${r}@${n}`);
    const gone: { repository: string; number: number; href: string }[] = [];
    for (const r of await ownRepos()) {
      const name = r.name.slice(prefix.length);
      const vs = (
        await pulp.list<PulpVersion>(`${r.versions_href}?fields=pulp_href,number,pulp_created`)
      ).sort((a, b) => b.number - a.number);
      vs.forEach((v, i) => {
        const young =
          policy.olderThanMs !== undefined && now - Date.parse(v.pulp_created) < policy.olderThanMs;
        if (i >= keepN && !young && !held.has(`${name}@${v.number}`)) {
          gone.push({ repository: name, number: v.number, href: v.pulp_href });
        }
      });
    }
    // publications no distribution serves (the holders keep their versions: retain_repo_versions)
    const served = new Set(dists.map((d) => d.publication));
    const holders = (await allRepos()).filter((r) => r.name.slice(prefix.length).includes('@'));
    const pubs = (
      await Promise.all(
        holders.map((h) =>
          pulp.list<{ pulp_href: string }>(
            `publications/rpm/rpm/?repository=${encodeURIComponent(h.pulp_href)}&fields=pulp_href`,
          ),
        ),
      )
    )
      .flat()
      .filter((p) => !served.has(p.pulp_href));
    gone.sort((a, b) => a.repository.localeCompare(b.repository) || a.number - b.number);
    const report: PruneReport = {
      versions: gone.map(({ repository, number }) => ({ repository, number })),
      publications: pubs.length,
      artifacts: 0,
      bytes: 0,
    };
    if (policy.dryRun) return report;
    // only content that was in what this prune deleted counts: orphans of others are not Aare's
    const candidates = new Set(
      (await Promise.all(gone.map((v) => packagesAt(v.href)))).flat().map((p) => p.pulp_href),
    );
    for (const v of gone) await pulp.call('DELETE', v.href);
    for (const p of pubs) await pulp.call('DELETE', p.pulp_href);
    const orphans = (
      await pulp.list<PulpPackage>(`content/rpm/packages/?orphaned_for=0&${PKG_FIELDS}`)
    ).filter((p) => candidates.has(p.pulp_href));
    report.artifacts = orphans.length;
    report.bytes = orphans.reduce((n, p) => n + p.size_package, 0);
    // only these: another client's upload is an orphan until its modify adds it to a repository
    if (orphans.length > 0) {
      await pulp.call('POST', 'orphans/cleanup/', {
        content_hrefs: orphans.map((p) => p.pulp_href),
        orphan_protection_time: 0,
      });
    }
    return report;
  }

  const notHere = (what: string): Diagnostic =>
    error(
      'PULP_CONFIG',
      `${what} is not available with the Pulp back end: Pulp's content app serves the distributions`,
    );

  return {
    createRepository: async (name, customer) => {
      if (!NAME.test(name)) {
        return fail(error('USAGE', `repository name '${name}' must match ${NAME.source}`, { field: 'name' }));
      }
      let r = await findRepo(name);
      r ??= await pulp.call<PulpRepo>('POST', 'repositories/rpm/rpm/', {
        name: prefix + name,
        pulp_labels: { aare_customer: customer },
      });
      const owner = r.pulp_labels.aare_customer ?? '';
      if (owner !== customer) {
        return fail(
          error(
            'CONFLICT',
            `repository '${name}' already exists for ${owner ? `customer '${owner}'` : 'the provider'}`,
            {
              field: 'name',
            },
          ),
        );
      }
      const n = versionNumber(r.latest_version_href);
      return {
        value: {
          name,
          customer,
          latestVersion: n,
          packages: (await packagesAt(r.latest_version_href)).length,
        },
        diagnostics: [],
      };
    },
    upload: async (repository, file, shownAs = file) => {
      const r = await uploadMany(repository, [{ file, shownAs }]);
      return { value: r.value?.[0], diagnostics: r.diagnostics };
    },
    uploadMany,
    removePackages: async (repository, names) => {
      const repo = await findRepo(repository);
      if (!repo) return fail(notFound(`no repository named '${repository}'`, 'repository'));
      const pkgs = await packagesAt(repo.latest_version_href);
      const hrefs: string[] = [];
      for (const m of names) {
        const hit = pkgs.filter((p) => p.name === m || toRef(p).filename === m);
        if (hit.length === 0) {
          return fail(
            notFound(
              `repository '${repository}' version ${versionNumber(repo.latest_version_href)} holds no package '${m}'`,
            ),
          );
        }
        hrefs.push(...hit.map((p) => p.pulp_href));
      }
      return { value: await modify(repo, { remove_content_units: hrefs }), diagnostics: [] };
    },
    listRepositories: async () =>
      Promise.all(
        (await ownRepos()).map(async (r) => ({
          name: r.name.slice(prefix.length),
          customer: r.pulp_labels.aare_customer ?? '',
          latestVersion: versionNumber(r.latest_version_href),
          packages: (await packagesAt(r.latest_version_href)).length,
        })),
      ).then((l) => l.sort((a, b) => a.name.localeCompare(b.name))),
    versions: async (repository) => {
      const repo = await findRepo(repository);
      if (!repo) return { value: [], diagnostics: [notFound(`no repository named '${repository}'`)] };
      const vs = await pulp.list<PulpVersion>(
        `${repo.versions_href}?fields=number,pulp_created,content_summary`,
      );
      const value: VersionInfo[] = vs
        .map((v) => ({
          repository,
          number: v.number,
          createdAt: v.pulp_created,
          packages: v.content_summary.present['rpm.package']?.count ?? 0,
        }))
        .sort((a, b) => a.number - b.number);
      return { value, diagnostics: [] };
    },
    packagesOf: async (repository, version) => {
      const repo = await findRepo(repository);
      if (!repo) return { value: [], diagnostics: [notFound(`no repository named '${repository}'`)] };
      const href = version === undefined ? repo.latest_version_href : versionHref(repo, version);
      if (version !== undefined && !(await hasVersion(repo, version))) {
        return { value: [], diagnostics: [notFound(`repository '${repository}' has no version ${version}`)] };
      }
      return { value: (await packagesAt(href)).map(toRef), diagnostics: [] };
    },
    diff: async (repository, from, to) => {
      const repo = await findRepo(repository);
      if (!repo) return fail(notFound(`no repository named '${repository}'`));
      for (const n of [from, to]) {
        if (!(await hasVersion(repo, n)))
          return fail(notFound(`repository '${repository}' has no version ${n}`));
      }
      const [a, b] = await Promise.all([
        packagesAt(versionHref(repo, from)),
        packagesAt(versionHref(repo, to)),
      ]);
      return { value: diffContent(repository, from, to, a.map(toRef), b.map(toRef)), diagnostics: [] };
    },
    distribute,
    moveDistribution: async () => ({
      value: undefined,
      diagnostics: [notHere('moving a distribution by publication id')],
    }),
    distributions: async () =>
      Promise.all((await ownDistributions()).map(distInfo)).then((l) =>
        l.sort((a, b) => a.basePath.localeCompare(b.basePath)),
      ),
    snapshot: async (name, repositories) => {
      if (!NAME.test(name))
        return fail(error('USAGE', `snapshot name '${name}' must match ${NAME.source}`, { field: 'name' }));
      const key = snapKey(name);
      const all = await ownRepos();
      if (all.some((r) => key in r.pulp_labels))
        return fail(error('CONFLICT', `snapshot '${name}' already exists`, { field: 'name' }));
      const chosen = repositories?.length
        ? all.filter((r) => repositories.includes(r.name.slice(prefix.length)))
        : all;
      const missing = (repositories ?? []).filter((n) => !all.some((r) => r.name === prefix + n));
      if (missing.length > 0) return fail(notFound(`no repository named '${missing[0]}'`, 'repositories'));
      const versions: Record<string, number> = {};
      const at = Date.now();
      for (const r of chosen) {
        const n = versionNumber(r.latest_version_href);
        await pulp.call('PATCH', r.pulp_href, { pulp_labels: { ...r.pulp_labels, [key]: `${n}.${at}` } });
        versions[r.name.slice(prefix.length)] = n;
      }
      return { value: { name, versions }, diagnostics: [] };
    },
    snapshots,
    prune,
    deleteRepository: async (name) => {
      const repo = await findRepo(name);
      if (!repo) return { value: undefined, diagnostics: [notFound(`no repository named '${name}'`)] };
      const snaps = Object.keys(repo.pulp_labels)
        .filter((k) => k.startsWith(SNAP))
        .map(snapName);
      const serving = (await ownDistributions()).filter(
        (d) => name in decodeVersions(d.pulp_labels.aare_versions),
      );
      if (snaps.length + serving.length > 0) {
        return {
          value: undefined,
          diagnostics: [
            error(
              'CONFLICT',
              `repository '${name}' is held by ${[...snaps.map((s) => `snapshot '${s}'`), ...serving.map((d) => `distribution '${d.base_path}'`)].join(', ')}`,
            ),
          ],
        };
      }
      await pulp.call('DELETE', repo.pulp_href);
      if (repo.remote) await pulp.call('DELETE', repo.remote);
      return { value: undefined, diagnostics: [] };
    },
    undistribute: async (customer, environment) => {
      const name = distName(customer, environment);
      const d = (
        await pulp.list<PulpDistribution>(`distributions/rpm/rpm/?name=${encodeURIComponent(name)}`)
      )[0];
      if (!d)
        return { value: undefined, diagnostics: [notFound(`no distribution ${customer}/${environment}`)] };
      await pulp.call('DELETE', d.pulp_href);
      const holder = (await pulp.list<PulpRepo>(`repositories/rpm/rpm/?name=${encodeURIComponent(name)}`))[0];
      if (holder) await pulp.call('DELETE', holder.pulp_href);
      return { value: undefined, diagnostics: [] };
    },
    publish: async () => ({ value: undefined, diagnostics: [notHere('publishing by version ids')] }),
    resolveDistribution: async () => undefined,
    artifactPath: () => {
      throw new DiagnosticsError([notHere('an artifact path')]);
    },
    publicationDir: async () => undefined,
    mirrors: openPulpMirrors({ pulp, prefix, findRepo, packagesAt }),
  };
}
