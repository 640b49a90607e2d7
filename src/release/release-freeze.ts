// The monthly freeze (docs/maintenance.md): a release is one snapshot of every package repository
// plus the control repository's git commit, named by the month of the freeze in the policy's time
// zone (`2027-03`, then `2027-03-2`, ... for extra ones). A release row is written once and never
// changed; the snapshot's name (`release-<name>`) is unique, so of two freezes racing for one name
// exactly one gets it and the other takes the next suffix.
import { execFile } from 'node:child_process';
import { relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { Temporal } from 'temporal-polyfill';
import { error, hasErrors, isSpawnNotFound, toolMissing } from '../diag/index.js';
import type { Result } from '../diag/index.js';
import type { Maintenance } from '../model/index.js';
import type { RepoService } from '../repo/index.js';
import type { Store } from '../store/index.js';
import { appendAudit } from './audit-log.js';
import { monthOf } from './maintenance-calendar.js';

const run = promisify(execFile);

export interface ReleaseInfo {
  name: string;
  /** `2027-03`: the month of the freeze in the maintenance time zone. */
  month: string;
  /** The freeze's instant, ISO with the policy zone's offset. */
  frozenAt: string;
  /** The control repository's git commit at the freeze. */
  commit: string;
  /** The repository snapshot holding every repository's version at the freeze. */
  snapshot: string;
  frozenBy: string;
}

export interface FreezeContext {
  store: Store;
  repoService: RepoService;
  controlRepoDir: string;
  /** Excluded from the "uncommitted changes" check when it lies inside the control repository. */
  stateDir: string;
  /** Read after the commit check, so that a broken uncommitted file is reported as uncommitted. */
  maintenance: () => Maintenance;
  now: Date;
  actor: string;
}

/** The snapshot a release keeps its package versions in. */
export const snapshotNameOf = (release: string) => `release-${release}`;

/** How many suffixes a freeze tries before it gives up (each one lost only to a concurrent freeze). */
const MAX_SUFFIX = 50;

/**
 * Freezes: refuses (CONTROL_REPO_DIRTY) when the control repository has uncommitted changes or no
 * commit, else snapshots every repository and records the release. Refusals and freezes are in
 * the audit log. A crash between the snapshot and the release row leaves a snapshot without a
 * release; the next freeze then takes the next suffix and the snapshot stays for inspection.
 */
export async function freezeRelease(ctx: FreezeContext): Promise<Result<ReleaseInfo | undefined>> {
  const audit = (result: 'ok' | 'refused', detail: Record<string, unknown>) =>
    appendAudit(ctx.store, {
      actor: ctx.actor,
      at: ctx.now,
      action: 'release.freeze',
      scope: '',
      detail,
      result,
    });
  const commit = await controlRepoCommit(ctx.controlRepoDir, ctx.stateDir);
  if (!commit.value) {
    await audit('refused', {
      errors: commit.diagnostics.map((d) => d.code),
      reason: commit.diagnostics[0]?.summary,
    });
    return { value: undefined, diagnostics: commit.diagnostics };
  }
  const instant = Temporal.Instant.fromEpochMilliseconds(ctx.now.getTime());
  const maintenance = ctx.maintenance();
  const month = monthOf(maintenance, instant);
  const taken = new Set(
    (await ctx.store.db.selectFrom('releases').select('name').where('month', '=', month).execute()).map(
      (r) => r.name,
    ),
  );
  for (let n = 1; n <= MAX_SUFFIX; n++) {
    const name = n === 1 ? month : `${month}-${n}`;
    if (taken.has(name)) continue;
    const snap = await ctx.repoService.snapshot(snapshotNameOf(name));
    if (hasErrors(snap.diagnostics)) {
      // taken by a concurrent freeze, or left by a crashed one: try the next suffix
      if (snap.diagnostics.every((d) => d.code === 'CONFLICT')) continue;
      return { value: undefined, diagnostics: snap.diagnostics };
    }
    const release: ReleaseInfo = {
      name,
      month,
      frozenAt: instant.toZonedDateTimeISO(maintenance.timezone).toString({ timeZoneName: 'never' }),
      commit: commit.value,
      snapshot: snapshotNameOf(name),
      frozenBy: ctx.actor,
    };
    await ctx.store.db
      .insertInto('releases')
      .values({
        name,
        month,
        frozen_at: release.frozenAt,
        commit: release.commit,
        snapshot: release.snapshot,
        frozen_by: release.frozenBy,
      })
      .execute();
    await audit('ok', {
      release: name,
      commit: release.commit,
      snapshot: release.snapshot,
      versions: snap.value?.versions ?? {},
    });
    return { value: release, diagnostics: [] };
  }
  throw new Error(`no free release name for ${month} after ${MAX_SUFFIX} tries`);
}

/** Releases, oldest first. */
export async function listReleases(store: Store): Promise<ReleaseInfo[]> {
  const rows = await store.db.selectFrom('releases').selectAll().execute();
  return rows
    .map((r) => ({
      name: r.name,
      month: r.month,
      frozenAt: r.frozen_at,
      commit: r.commit,
      snapshot: r.snapshot,
      frozenBy: r.frozen_by,
    }))
    .sort(
      (a, b) =>
        Temporal.Instant.compare(Temporal.Instant.from(a.frozenAt), Temporal.Instant.from(b.frozenAt)) ||
        a.month.localeCompare(b.month) ||
        suffixOf(a.name) - suffixOf(b.name),
    );
}

const suffixOf = (name: string) => Number(/-(\d+)$/.exec(name.slice(7))?.[1] ?? 1);

/**
 * The commit the control repository's working tree is, or CONTROL_REPO_DIRTY: not in git, no
 * commit yet, or changed, added or deleted files under it (the state directory excepted).
 */
export async function controlRepoCommit(dir: string, stateDir: string): Promise<Result<string | undefined>> {
  const refuse = (summary: string): Result<undefined> => ({
    value: undefined,
    diagnostics: [error('CONTROL_REPO_DIRTY', summary, { field: 'control repository' })],
  });
  const git = async (args: string[]) =>
    (await run('git', args, { cwd: dir, maxBuffer: 16 * 1024 * 1024 })).stdout;
  try {
    await git(['rev-parse', '--show-toplevel']);
  } catch (err) {
    if (isSpawnNotFound(err)) return { value: undefined, diagnostics: [toolMissing('git')] };
    return refuse(`${dir} is not in a git repository: a release records the control repository's commit`);
  }
  let commit: string;
  try {
    commit = (await git(['rev-parse', '--verify', 'HEAD^{commit}'])).trim();
  } catch {
    return refuse(`the control repository has no commit yet: commit it, then freeze`);
  }
  const inside = relative(dir, stateDir);
  const excluded =
    inside !== '' && !inside.startsWith('..') && !inside.startsWith(sep) ? [`:(exclude)${inside}`] : [];
  const status = await git(['status', '--porcelain', '--untracked-files=all', '--', '.', ...excluded]);
  const changed = status.split('\n').filter((l) => l.trim() !== '');
  if (changed.length > 0) {
    const shown = changed
      .slice(0, 5)
      .map((l) => l.slice(3))
      .join(', ');
    const more = changed.length > 5 ? ` and ${changed.length - 5} more` : '';
    return refuse(
      `the control repository has uncommitted changes (${shown}${more}): commit them (or stash them), then freeze, so that the release names the commit it was made from`,
    );
  }
  return { value: commit, diagnostics: [] };
}
