// A repository service on a fresh state directory and SQLite file, plus `aare serve`'s app on a
// free loopback port, for tests that drive real clients (dnf, curl-like fetches) against it.
import { mkdtempSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openPulpRepoService, openRepoService, readPublicKeys } from '../../src/repo/index.js';
import type { RepoService, SigningKey } from '../../src/repo/index.js';
import { createServerApp } from '../../src/server/index.js';
import type { ServerOptions } from '../../src/server/index.js';
import { openStore } from '../../src/store/index.js';
import type { Store, StoreOptions } from '../../src/store/index.js';
import { testKey } from './rpm-fixtures.js';
import { cleanPulpRun } from './repo-backends.js';
import type { PulpTestTarget } from './repo-backends.js';

export interface Harness {
  dir: string;
  stateDir: string;
  store: Store;
  repo: RepoService;
  key: SigningKey;
  app?: FastifyInstance;
  /** Where the test reaches the server (a free loopback port). */
  baseUrl: string;
  close(): Promise<void>;
}

/** The public base URL the harness configures: answers build their URLs from it, not from Host. */
export const PUBLIC_URL = 'https://packages.aare.test';

export async function openHarness(
  opts: {
    serve?: boolean;
    storeOptions?: StoreOptions;
    server?: Partial<Pick<ServerOptions, 'upload' | 'timeouts'>>;
    /** Run the repository service on this Pulp instead of the embedded back end. */
    pulp?: PulpTestTarget;
  } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'aare-repo-test-'));
  const stateDir = join(dir, 'state');
  const key = await testKey();
  await mkdir(join(stateDir, 'keys'), { recursive: true });
  await writeFile(join(stateDir, 'keys', 'provider.asc'), key.publicArmored);
  const store = await openStore(opts.storeOptions ?? { sqlitePath: join(dir, 'state.db') });
  const trustedKeys = await readPublicKeys(key.publicArmored);
  const repo = opts.pulp
    ? openPulpRepoService({ ...opts.pulp, trustedKeys })
    : openRepoService({ store, stateDir, signingKey: key, trustedKeys });
  let app: FastifyInstance | undefined;
  let baseUrl = '';
  if (opts.serve) {
    app = await createServerApp({ repo, stateDir, publicUrl: PUBLIC_URL, ...opts.server });
    baseUrl = (await app.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1');
  }
  return {
    dir,
    stateDir,
    store,
    repo,
    key,
    app,
    baseUrl,
    close: async () => {
      await app?.close();
      await store.close();
      if (opts.pulp) await cleanPulpRun(opts.pulp);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
