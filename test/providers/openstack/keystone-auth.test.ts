// Keystone against the lab: tokens, reuse and refresh, the catalog, bad credentials, application credentials.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { openstack } from '../../../src/providers/index.js';
import { Cleanup, labClient, runPrefix, skipWithoutLab } from './lab-cloud.js';

describe('keystone auth (lab)', { skip: skipWithoutLab }, () => {
  const cleanup = new Cleanup();
  const prefix = runPrefix();
  after(() => cleanup.run());

  test('one token serves many calls; the catalog gives every service', async () => {
    const c = labClient();
    const token = await c.session.token();
    assert.ok(token.expiresAt.getTime() > Date.now() + 10 * 60_000, 'token valid for more than 10 minutes');
    assert.ok(token.roles.includes('admin'));
    for (const type of ['compute', 'network', 'image', 'identity'] as const) {
      assert.match(await c.baseUrl(type), /^http:\/\/127\.0\.0\.1:\d+\/v[0-9.]+$/, type);
    }
    await openstack.listFlavors(c);
    await openstack.networks.list(c, { name: 'public' });
    await openstack.listImages(c);
    assert.equal(c.session.tokensIssued, 1);
  });

  test('a token about to expire is replaced before use', async () => {
    const c = labClient();
    const first = await c.session.token();
    // refresh when less than (remaining lifetime + 1 min) is left: i.e. now
    const eager = labClient({ refreshBeforeMs: first.expiresAt.getTime() - Date.now() + 60_000 });
    const a = await eager.session.token();
    const b = await eager.session.token();
    assert.notEqual(a.id, b.id);
    assert.equal(eager.session.tokensIssued, 2);
  });

  test('concurrent first calls share one token request', async () => {
    const c = labClient();
    await Promise.all([
      openstack.listFlavors(c),
      openstack.listImages(c),
      openstack.networks.list(c, { name: 'public' }),
    ]);
    assert.equal(c.session.tokensIssued, 1);
  });

  test('a revoked token is noticed (401) and replaced once', async () => {
    const c = labClient();
    const t = await c.session.token();
    const admin = labClient();
    await admin.call('identity', 'DELETE', '/auth/tokens', { extraHeaders: { 'X-Subject-Token': t.id } });
    await openstack.listFlavors(c);
    assert.equal(c.session.tokensIssued, 2);
  });

  test('a wrong password is OPENSTACK_AUTH with status 401 and Keystone’s message', async () => {
    const good = labClient();
    const cloud = good.cloud;
    assert.equal(cloud.auth.type, 'password');
    const bad = new openstack.OpenStackClient({
      cloud: { ...cloud, auth: { ...cloud.auth, password: 'wrong' } as openstack.PasswordAuth },
    });
    await assert.rejects(openstack.listFlavors(bad), (err: unknown) => {
      assert.ok(err instanceof Error);
      const e = err as unknown as { code: string; status: number; systemMessage: string; request: string };
      assert.equal(e.code, 'OPENSTACK_AUTH');
      assert.equal(e.status, 401);
      assert.equal(e.systemMessage, 'The request you have made requires authentication.');
      assert.match(
        err.message,
        /^authenticate to http:\/\/127\.0\.0\.1:5000\/v3 as cloud 'aare-lab': OpenStack answered 401/,
      );
      return true;
    });
  });

  test('application credential: created, used for calls, deleted', async () => {
    const c = labClient();
    const me = await c.session.token();
    const cred = await openstack.createApplicationCredential(c, me.userId, { name: `${prefix}cred` });
    cleanup.add('delete application credential', () =>
      openstack.deleteApplicationCredential(c, me.userId, cred.id),
    );
    const viaCred = new openstack.OpenStackClient({
      cloud: {
        ...c.cloud,
        name: 'appcred',
        auth: { type: 'application_credential', id: cred.id, secret: cred.secret },
      },
    });
    const token = await viaCred.session.token();
    assert.deepEqual(token.projectId, me.projectId);
    const flavors = await openstack.listFlavors(viaCred);
    assert.ok(flavors.some((f) => f.name === 'm1.tiny'));
    // by name + user also works
    const byName = new openstack.OpenStackClient({
      cloud: {
        ...c.cloud,
        auth: {
          type: 'application_credential',
          name: `${prefix}cred`,
          secret: cred.secret,
          userId: me.userId,
        },
      },
    });
    assert.equal((await byName.session.token()).userId, me.userId);
  });
});
