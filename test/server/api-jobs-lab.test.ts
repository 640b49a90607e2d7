// A plan job against the lab's OpenStack (docs/api.md): `aare serve`'s API plans one customer
// environment of a demo copy (its own state, a unique name prefix, DNS and backup left out), the
// engine's refresh and plan events arrive as the job's event stream, and the job's result is the
// plan an apply job would execute: every resource of the environment to create.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { addUser, createToken, grantRole } from '../../src/access/index.js';
import { openAppContext } from '../../src/app/index.js';
import { loadControlRepo } from '../../src/model/index.js';
import { createServerApp } from '../../src/server/index.js';
import { catalogOf, ensureCatalog } from '../engine/lab-catalog.js';
import { withoutDnsAndBackup } from '../engine/lab-helpers.js';
import { labClient, runPrefix, skipWithoutLab } from '../providers/openstack/lab-cloud.js';
import { demoCopy } from '../release/release-helpers.js';

test(
  'a plan job against the lab OpenStack streams the engine events and answers the plan',
  {
    skip: skipWithoutLab,
    timeout: 300_000,
  },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'aare-api-jobs-lab-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const repo = demoCopy(join(dir, 'control'));
    withoutDnsAndBackup(repo);
    await ensureCatalog(labClient(), catalogOf(loadControlRepo(repo).value.provider));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AARE_OPENSTACK_PREFIX: runPrefix(),
      AARE_STATE_DIR: join(dir, 'state'),
      AARE_DATABASE_URL: '',
      AARE_SERVE_URL: '',
    };
    const app = openAppContext({ controlRepoDir: repo, env });
    const server = await createServerApp({
      repo: await app.repoService(),
      stateDir: app.config.stateDir,
      publicUrl: 'https://aare.api.test',
      api: { app },
    });
    t.after(async () => {
      await server.close();
      await app.close();
    });
    const access = { store: await app.store(), actor: 'test', now: new Date() };
    const user = (await addUser(access, 'operator')).value!;
    const grants = [{ role: 'provider-operator' as const, scope: '/' }];
    await grantRole(access, user, 'provider-operator', '/');
    const made = await createToken(access, {
      name: 'lab',
      grants,
      expiresAt: new Date(Date.now() + 3_600_000),
      owner: user,
    });
    const auth = { authorization: `Bearer ${made.value!.token}` };

    const started = await server.inject({
      method: 'POST',
      url: '/api/v1/customers/muster-ag/environments/test/plans',
      headers: auth,
      payload: {},
    });
    assert.equal(started.statusCode, 202, started.body);
    const location = started.headers.location as string;
    const stream = await server.inject({ method: 'GET', url: `${location}/events`, headers: auth });
    const types = stream.body
      .split('\n')
      .filter((l) => l.startsWith('event: '))
      .map((l) => l.slice(7));
    assert.equal(types.at(-1), 'job.succeeded', stream.body.slice(-2000));
    for (const t of ['job.started', 'plan.start', 'refresh.start', 'refresh.done', 'plan.done'])
      assert.ok(types.includes(t), `${t} in ${types.join(', ')}`);
    const job = JSON.parse((await server.inject({ method: 'GET', url: location, headers: auth })).body) as {
      state: string;
      result: { changes: { address: string; action: string }[]; filter: Record<string, string> };
    };
    assert.equal(job.state, 'succeeded');
    assert.deepEqual(job.result.filter, { customer: 'muster-ag', env: 'test' });
    const servers = job.result.changes.filter((c) =>
      c.address.startsWith('openstack.server.muster-ag/test/'),
    );
    assert.ok(servers.length > 0);
    assert.ok(servers.every((c) => c.action === 'create'));
    // what the API shows of a plan is what the drivers display, never the desired attributes
    assert.ok(job.result.changes.every((c) => !('after' in c) && !('before' in c)));
    assert.ok(!stream.body.includes('"userData"') && !JSON.stringify(job).includes('#cloud-config'));
  },
);
