// Jobs against the lab's OpenStack (docs/api.md): `aare serve`'s API plans one customer
// environment of a demo copy (its own state, a unique name prefix, DNS and backup left out), the
// engine's refresh and plan events arrive as the job's event stream, and the job's result is the
// plan, as its drivers display it: every resource of the environment to create. The apply job of
// that plan then builds it and is audited with its principal; `aare destroy` removes it again.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { addUser, createToken, grantRole, tokenIdOf } from '../../src/access/index.js';
import { openAppContext } from '../../src/app/index.js';
import { loadControlRepo } from '../../src/model/index.js';
import { openstack } from '../../src/providers/index.js';
import { listAudit } from '../../src/release/index.js';
import { createServerApp } from '../../src/server/index.js';
import { catalogOf, ensureCatalog } from '../engine/lab-catalog.js';
import { withoutDnsAndBackup } from '../engine/lab-helpers.js';
import { labClient, runPrefix, skipWithoutLab } from '../providers/openstack/lab-cloud.js';
import { demoCopy } from '../release/release-helpers.js';

const root = join(import.meta.dirname, '../..');

const eventTypes = (body: string) =>
  body
    .split('\n')
    .filter((l) => l.startsWith('event: '))
    .map((l) => l.slice(7));

test(
  'plan and apply jobs against the lab OpenStack',
  { skip: skipWithoutLab, timeout: 600_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'aare-api-jobs-lab-'));
    const repo = demoCopy(join(dir, 'control'));
    withoutDnsAndBackup(repo);
    await ensureCatalog(labClient(), catalogOf(loadControlRepo(repo).value.provider));
    const prefix = runPrefix();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AARE_OPENSTACK_PREFIX: prefix,
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
    let applied = false;
    t.after(async () => {
      await server.close();
      await app.close();
      if (applied) {
        const r = spawnSync(
          process.execPath,
          [join(root, 'bin/aare.mjs'), 'destroy', '-C', repo, '--customer', 'muster-ag', '--yes', '--json'],
          { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
        );
        assert.equal(r.status, 0, r.stderr);
      }
      const client = labClient();
      for (const d of (await openstack.listDomains(client)).filter((x) => x.name.startsWith(prefix)))
        await openstack.deleteDomain(client, d.id);
      rmSync(dir, { recursive: true, force: true });
    });
    const access = { store: await app.store(), actor: 'test', now: new Date() };
    const user = (await addUser(access, 'operator')).value!;
    await grantRole(access, user, 'provider-operator', '/');
    const made = await createToken(access, {
      name: 'lab',
      grants: [{ role: 'provider-operator', scope: '/' }],
      expiresAt: new Date(Date.now() + 3_600_000),
      owner: user,
    });
    const token = made.value!.token;
    const auth = { authorization: `Bearer ${token}` };

    const started = await server.inject({
      method: 'POST',
      url: '/api/v1/customers/muster-ag/environments/test/plans',
      headers: auth,
      payload: {},
    });
    assert.equal(started.statusCode, 202, started.body);
    const location = started.headers.location as string;
    const stream = await server.inject({ method: 'GET', url: `${location}/events`, headers: auth });
    const types = eventTypes(stream.body);
    assert.equal(types.at(-1), 'job.succeeded', stream.body.slice(-2000));
    for (const e of ['job.started', 'plan.start', 'refresh.start', 'refresh.done', 'plan.done'])
      assert.ok(types.includes(e), `${e} in ${types.join(', ')}`);
    const job = JSON.parse((await server.inject({ method: 'GET', url: location, headers: auth })).body) as {
      id: string;
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
    assert.ok(!JSON.stringify(job).includes('#cloud-config'));

    // the apply job executes exactly that plan
    const apply = await server.inject({
      method: 'POST',
      url: '/api/v1/customers/muster-ag/environments/test/applies',
      headers: auth,
      payload: { plan: job.id },
    });
    assert.equal(apply.statusCode, 202, apply.body);
    applied = true;
    const applyUrl = apply.headers.location as string;
    const applyStream = await server.inject({ method: 'GET', url: `${applyUrl}/events`, headers: auth });
    const applyTypes = eventTypes(applyStream.body);
    assert.equal(applyTypes.at(-1), 'job.succeeded', applyStream.body.slice(-3000));
    assert.ok(
      applyTypes.includes('apply.start') && applyTypes.includes('resource.done'),
      applyTypes.join(', '),
    );
    const entry = (await listAudit(access.store, { customer: 'muster-ag' }))
      .filter((e) => e.action === 'apply')
      .at(-1)!;
    assert.equal(entry.actor, `token:${tokenIdOf(token)}`);
    assert.equal(entry.result, 'ok');
    assert.equal(entry.detail.plan, job.id);
  },
);
