// The back ends the repository service's suites run on: the embedded one on every store back end,
// and Pulp when the lab's Pulp is up (`aare lab up pulp`, then `eval "$(aare lab env)"`). Each Pulp
// run owns unique names (repository prefix, base path prefix) and deletes them afterwards.
import { openPulpClient } from '../../src/repo/pulp-client.js';
import type { PulpConnection } from '../../src/repo/index.js';
import { storeBackendsForTests } from '../store/store-test-backends.js';
import type { StoreOptions } from '../../src/store/index.js';

export interface PulpTestTarget extends PulpConnection {
  signingService: string;
  namePrefix: string;
  basePathPrefix: string;
  /** The content app's root (distributions are at <content><basePath>/). */
  content: string;
  /** The armored public key of the signing service (for repo_gpgcheck). */
  signingKeyFile: string;
}

export type RepoBackend =
  | { name: string; kind: 'local'; fresh: () => Promise<StoreOptions>; skip?: undefined }
  | { name: 'pulp'; kind: 'pulp'; fresh: () => Promise<PulpTestTarget>; skip?: string };

export function repoBackendsForTests(): RepoBackend[] {
  const env = process.env;
  const pulpUp = Boolean(env.AARE_LAB_PULP && env.AARE_LAB_PULP_PASSWORD && env.AARE_LAB_PULP_CONTENT);
  return [
    ...storeBackendsForTests().map((b) => ({ ...b, kind: 'local' as const })),
    {
      name: 'pulp',
      kind: 'pulp',
      skip: pulpUp ? undefined : 'the lab\'s Pulp is not up (aare lab up pulp; eval "$(aare lab env)")',
      fresh: () => {
        const run = `t${process.pid}${Math.random().toString(36).slice(2, 7)}`;
        return Promise.resolve({
          url: env.AARE_LAB_PULP!,
          username: env.AARE_LAB_PULP_USER ?? 'admin',
          password: env.AARE_LAB_PULP_PASSWORD!,
          signingService: env.AARE_LAB_PULP_SIGNING_SERVICE ?? 'lab-metadata',
          namePrefix: `aare-${run}-`,
          basePathPrefix: `${run}/`,
          content: env.AARE_LAB_PULP_CONTENT!,
          signingKeyFile: env.AARE_LAB_PULP_SIGNING_KEY ?? '',
        });
      },
    },
  ];
}

/** Deletes the distributions, repositories and remotes of one test run, then the content only they held. */
export async function cleanPulpRun(t: PulpTestTarget): Promise<void> {
  const pulp = openPulpClient(t);
  const q = `?name__startswith=${encodeURIComponent(t.namePrefix)}`;
  const content = new Set<string>();
  for (const r of await pulp.list<{ versions_href: string }>(
    `repositories/rpm/rpm/${q}&fields=versions_href`,
  )) {
    for (const v of await pulp.list<{ pulp_href: string }>(`${r.versions_href}?fields=pulp_href`)) {
      const pkgs = await pulp.list<{ pulp_href: string }>(
        `content/rpm/packages/?repository_version=${encodeURIComponent(v.pulp_href)}&fields=pulp_href`,
      );
      for (const p of pkgs) content.add(p.pulp_href);
    }
  }
  for (const d of await pulp.list<{ pulp_href: string }>(`distributions/rpm/rpm/${q}&fields=pulp_href`)) {
    await pulp.call('DELETE', d.pulp_href);
  }
  for (const r of await pulp.list<{ pulp_href: string }>(`repositories/rpm/rpm/${q}&fields=pulp_href`)) {
    await pulp.call('DELETE', r.pulp_href);
  }
  for (const r of await pulp.list<{ pulp_href: string }>(`remotes/rpm/rpm/${q}&fields=pulp_href`)) {
    await pulp.call('DELETE', r.pulp_href);
  }
  // only this run's content: a parallel run's fresh uploads are orphans until their modify
  if (content.size > 0) {
    await pulp.call('POST', 'orphans/cleanup/', { content_hrefs: [...content], orphan_protection_time: 0 });
  }
}
