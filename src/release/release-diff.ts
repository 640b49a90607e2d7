// What a release changes for one customer against its current production (docs/maintenance.md):
// the package diff of the customer's and the shared repositories between the production
// distribution and the release's snapshot, the control repository commit, and the parameters that
// change per VM of the production environment. Its digest is what an acceptance is bound to: when
// the diff changes, the acceptance no longer counts.
import { createHash } from 'node:crypto';
import { DiagnosticsError, error, hasErrors } from '../diag/index.js';
import type { Diagnostic, Result } from '../diag/index.js';
import type { ControlRepo } from '../model/index.js';
import type { PackageRef, RepoService, VersionDiff } from '../repo/index.js';
import type { Store } from '../store/index.js';
import type { ControlRepoHistory } from './control-repo-history.js';
import { atCommit, parameterChanges } from './parameter-diff.js';
import type { VmParameterChanges } from './parameter-diff.js';
import { listReleases } from './release-freeze.js';
import type { ReleaseInfo } from './release-freeze.js';

export interface RolloutContext {
  store: Store;
  repoService: RepoService;
  controlRepo: ControlRepo;
  /** The control repository at the commits the diff compares parameters between. */
  history: ControlRepoHistory;
  now: Date;
  actor: string;
}

export interface RepositoryChange {
  repository: string;
  /** The version production serves now; absent when production does not have the repository. */
  from?: number;
  /** The version in the release's snapshot; absent when the release no longer has it. */
  to?: number;
  added: PackageRef[];
  removed: PackageRef[];
  upgraded: VersionDiff['upgraded'];
}

export interface ReleaseDiff {
  release: string;
  customer: string;
  /** The production environment compared against (`production`, else the first that is not test). */
  environment: string;
  /** The commit of the release production runs now (absent: none yet), and the release's. */
  commit: { from?: string; to: string };
  /** Only the repositories whose version differs. */
  repositories: RepositoryChange[];
  /** The production environment's VMs whose parameters differ between `parametersFrom` and `commit.to`. */
  parameters: VmParameterChanges[];
  /**
   * What the parameters are compared against: `commit.from`, or the control repository's HEAD
   * when no release is on production yet (what a plain `aare apply` applied). Not in the digest:
   * a commit that changes nothing for the customer does not ask for a new acceptance.
   */
  parametersFrom: string;
  /** sha256 over everything above but `parametersFrom`: what an acceptance is bound to. */
  digest: string;
}

/** A release by name, or NOT_FOUND. */
export async function releaseNamed(store: Store, name: string): Promise<Result<ReleaseInfo | undefined>> {
  const found = (await listReleases(store)).find((r) => r.name === name);
  return found
    ? { value: found, diagnostics: [] }
    : {
        value: undefined,
        diagnostics: [
          error('NOT_FOUND', `no release named '${name}' (aare release list)`, { field: 'release' }),
        ],
      };
}

/** The customer's environments other than test, `production` first; NOT_FOUND for an unknown customer. */
export function productionEnvironments(controlRepo: ControlRepo, customer: string): Result<string[]> {
  const c = controlRepo.customers.get(customer);
  if (!c)
    return {
      value: [],
      diagnostics: [
        error('NOT_FOUND', `no customer named '${customer}' in the control repository`, {
          field: '--customer',
        }),
      ],
    };
  const envs = [...c.environments.keys()].filter((e) => e !== 'test');
  return {
    value: envs.sort((a, b) => Number(b === 'production') - Number(a === 'production')),
    diagnostics: [],
  };
}

/** The release's diff for `customer` against its current production. */
export async function releaseDiff(
  ctx: RolloutContext,
  releaseName: string,
  customer: string,
): Promise<Result<ReleaseDiff | undefined>> {
  const release = await releaseNamed(ctx.store, releaseName);
  if (!release.value) return { value: undefined, diagnostics: release.diagnostics };
  const envs = productionEnvironments(ctx.controlRepo, customer);
  if (hasErrors(envs.diagnostics) || envs.value.length === 0)
    return {
      value: undefined,
      diagnostics: envs.diagnostics.length
        ? envs.diagnostics
        : [
            error('NOT_FOUND', `customer '${customer}' has no production environment`, {
              field: '--customer',
            }),
          ],
    };
  const environment = envs.value[0]!;
  const repos = (await ctx.repoService.listRepositories()).filter(
    (r) => r.customer === customer || r.customer === '',
  );
  const mine = new Set(repos.map((r) => r.name));
  const snapshot = (await ctx.repoService.snapshots()).find((s) => s.name === release.value!.snapshot);
  if (!snapshot) throw new Error(`release ${releaseName} has no snapshot ${release.value.snapshot}`);
  const dist = (await ctx.repoService.distributions()).find(
    (d) => d.basePath === `${customer}/${environment}`,
  );
  const before = dist?.versions ?? {};
  const after = Object.fromEntries(Object.entries(snapshot.versions).filter(([name]) => mine.has(name)));
  const diagnostics: Diagnostic[] = [];
  const repositories: RepositoryChange[] = [];
  for (const name of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const from = before[name];
    const to = after[name];
    if (from === to) continue;
    const packages = async (v: number) => {
      const r = await ctx.repoService.packagesOf(name, v);
      diagnostics.push(...r.diagnostics);
      return r.value;
    };
    let change: RepositoryChange;
    if (from !== undefined && to !== undefined) {
      const d = await ctx.repoService.diff(name, from, to);
      diagnostics.push(...d.diagnostics);
      change = {
        repository: name,
        from,
        to,
        added: d.value?.added ?? [],
        removed: d.value?.removed ?? [],
        upgraded: d.value?.upgraded ?? [],
      };
    } else if (to !== undefined) {
      change = { repository: name, to, added: await packages(to), removed: [], upgraded: [] };
    } else {
      change = { repository: name, from: from!, added: [], removed: await packages(from!), upgraded: [] };
    }
    repositories.push(change);
  }
  if (hasErrors(diagnostics)) return { value: undefined, diagnostics };
  const onProduction = dist?.snapshot
    ? (await listReleases(ctx.store)).find((r) => r.snapshot === dist.snapshot)
    : undefined;
  let parametersFrom = onProduction?.commit;
  if (parametersFrom === undefined) {
    const head = await ctx.history.head();
    if (head.value === undefined) return { value: undefined, diagnostics: head.diagnostics };
    parametersFrom = head.value;
  }
  const parameters = await parameterDiff(ctx, parametersFrom, release.value.commit, customer, environment);
  if (!parameters.value) return { value: undefined, diagnostics: parameters.diagnostics };
  const body = {
    release: releaseName,
    customer,
    environment,
    commit: { ...(onProduction ? { from: onProduction.commit } : {}), to: release.value.commit },
    repositories,
    parameters: parameters.value,
  };
  const digest = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  return { value: { ...body, parametersFrom, digest }, diagnostics: parameters.diagnostics };
}

/**
 * The parameter changes between two commits; a diagnostic of either tree (it does not load, a
 * value does not resolve) fails the diff, saying which commit it is in, because parameters that
 * could not be resolved cannot be reviewed.
 */
async function parameterDiff(
  ctx: RolloutContext,
  from: string,
  to: string,
  customer: string,
  environment: string,
): Promise<Result<VmParameterChanges[] | undefined>> {
  if (from === to) return { value: [], diagnostics: [] };
  const at = async (commit: string) => {
    try {
      return { tree: { ...(await ctx.history.treeAt(commit)), commit }, diagnostics: [] };
    } catch (err) {
      if (!(err instanceof DiagnosticsError)) throw err;
      return { tree: undefined, diagnostics: err.diagnostics.map((d) => atCommit(d, commit)) };
    }
  };
  const before = await at(from);
  const after = await at(to);
  if (!before.tree || !after.tree)
    return { value: undefined, diagnostics: [...before.diagnostics, ...after.diagnostics] };
  const changes = parameterChanges(before.tree, after.tree, customer, environment);
  if (hasErrors(changes.diagnostics)) return { value: undefined, diagnostics: changes.diagnostics };
  return changes;
}
