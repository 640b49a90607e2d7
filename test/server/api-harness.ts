// What the API tests share: a git copy of the demo (two resellers, five customers) with a secret
// parameter, one release frozen by `aare` as a user runs it, the app context `aare serve` opens
// over that state, the server app in process (app.inject), and principals made through src/access.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { addUser, createToken, grantRole, tokenIdOf } from '../../src/access/index.js';
import type { AccessContext, Grant, Principal } from '../../src/access/index.js';
import { openAppContext } from '../../src/app/index.js';
import type { AppContext } from '../../src/app/index.js';
import { createServerApp } from '../../src/server/index.js';
import type { Store } from '../../src/store/index.js';
import { aareAt, committedRepo, demoCopy, ok, useSigningKey } from '../release/release-helpers.js';
import { testKey, testKeyFile } from '../repo/rpm-fixtures.js';

/** The instant every request of the tests is made at (the release was frozen before it). */
export const NOW = '2027-03-02T09:00:00+01:00';
export const RELEASE = '2027-03';
export const SECRET = 'shop-api-key-4711-do-not-show';

export interface ApiHarness {
  dir: string;
  app: AppContext;
  server: FastifyInstance;
  store: Store;
  access: AccessContext;
  /** A user holding `grants`, and a token it owns with the same grants (or `tokenGrants`). */
  principal(
    name: string,
    grants: Grant[],
    opts?: { tokenGrants?: Grant[]; expiresAt?: Date; password?: string },
  ): Promise<{ user: Principal; token: string; tokenId: string }>;
  close(): Promise<void>;
}

/**
 * The environment without the lab's clouds and services: the API's jobs (plan, deploy) started by
 * these tests then stop at the provider's configuration and never touch the shared lab (the lab
 * test of jobs opens its own context, with its own prefix).
 */
export function withoutLab(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of Object.keys(out))
    if (k.startsWith('AARE_LAB_') || ['OS_CLOUD', 'OS_CLIENT_CONFIG_FILE', 'AARE_OS_CLOUD'].includes(k))
      delete out[k];
  return out;
}

export async function apiHarness(): Promise<ApiHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'aare-api-'));
  const repo = join(dir, 'control');
  const state = join(dir, 'state');
  demoCopy(repo);
  await testKey('provider');
  const edit = (file: string, f: (s: string) => string) =>
    writeFileSync(join(repo, file), f(readFileSync(join(repo, file), 'utf8')));
  useSigningKey(repo, testKeyFile('provider'));
  edit('profiles/muster_shop.yaml', (s) =>
    s.replace('parameters:\n', 'parameters:\n  api_key:\n    type: Sensitive[String[1]]\n'),
  );
  edit('data/customer/muster-ag.yaml', (s) => `${s}profile::muster_shop::api_key: '${SECRET}'\n`);
  committedRepo(repo);
  const aare = aareAt(repo, state);
  ok(aare('2027-02-01T00:00:00Z', 'repo', 'create', 'base'));
  ok(aare('2027-02-01T00:00:00Z', 'repo', 'create', 'muster-ag', '--customer', 'muster-ag'));
  ok(aare('2027-03-01T00:30:00+01:00', 'release', 'freeze'));
  const app = openAppContext({
    controlRepoDir: repo,
    env: {
      ...withoutLab(process.env),
      AARE_NOW: NOW,
      AARE_STATE_DIR: state,
      AARE_DATABASE_URL: '',
      AARE_SERVE_URL: '',
    },
  });
  const store = await app.store();
  const server = await createServerApp({
    repo: await app.repoService(),
    stateDir: app.config.stateDir,
    publicUrl: 'https://aare.api.test',
    api: { app },
  });
  const access: AccessContext = { store, actor: 'test', now: new Date(NOW) };
  return {
    dir,
    app,
    server,
    store,
    access,
    async principal(name, grants, opts = {}) {
      const user = (await addUser(access, name, opts.password ? { password: opts.password } : {})).value!;
      for (const g of grants) await grantRole(access, user, g.role, g.scope);
      const made = await createToken(access, {
        name: `${name}-token`,
        grants: opts.tokenGrants ?? grants,
        expiresAt: opts.expiresAt ?? new Date('2027-06-01T00:00:00Z'),
        owner: user,
      });
      if (!made.value) throw new Error(JSON.stringify(made.diagnostics));
      return { user, token: made.value.token, tokenId: tokenIdOf(made.value.token)! };
    },
    async close() {
      await server.close();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
