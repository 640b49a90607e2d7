// What changed between two versions of a repository, by package name and architecture.
import type { Result } from '../diag/index.js';
import type { RepoServiceOptions } from './repo-context.js';
import { contentOf } from './repo-queries.js';
import type { PackageRef } from './repo-queries.js';
import { versionRow } from './repo-versions.js';
import { compareEvr, formatEvr } from './rpm-version-compare.js';

export interface VersionDiff {
  repository: string;
  from: number;
  to: number;
  added: PackageRef[];
  removed: PackageRef[];
  upgraded: { name: string; arch: string; from: string; to: string; downgrade: boolean }[];
}

export async function diffVersions(
  ctx: RepoServiceOptions,
  repository: string,
  from: number,
  to: number,
): Promise<Result<VersionDiff | undefined>> {
  const a = await versionRow(ctx, repository, from);
  const b = await versionRow(ctx, repository, to);
  if (!a.value || !b.value) return { value: undefined, diagnostics: [...a.diagnostics, ...b.diagnostics] };
  return {
    value: diffContent(
      repository,
      from,
      to,
      await contentOf(ctx.store.db, a.value.id),
      await contentOf(ctx.store.db, b.value.id),
    ),
    diagnostics: [],
  };
}

/** What changed between two versions' contents: by name and arch, newest EVR on each side. */
export function diffContent(
  repository: string,
  from: number,
  to: number,
  before: PackageRef[],
  after: PackageRef[],
): VersionDiff {
  const newest = (list: PackageRef[]) => {
    const m = new Map<string, PackageRef>();
    for (const p of list) {
      const k = `${p.name}.${p.arch}`;
      const cur = m.get(k);
      if (!cur || compareEvr(p, cur) > 0) m.set(k, p);
    }
    return m;
  };
  const a = newest(before);
  const b = newest(after);
  const diff: VersionDiff = { repository, from, to, added: [], removed: [], upgraded: [] };
  for (const [k, p] of b) {
    const old = a.get(k);
    if (!old) diff.added.push(p);
    else if (old.sha256 !== p.sha256) {
      const c = compareEvr(p, old);
      diff.upgraded.push({
        name: p.name,
        arch: p.arch,
        from: formatEvr(old),
        to: formatEvr(p),
        downgrade: c < 0,
      });
    }
  }
  for (const [k, p] of a) if (!b.has(k)) diff.removed.push(p);
  return diff;
}
