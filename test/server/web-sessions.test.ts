// The portal's sessions in the store (docs/portal.md), on every backend: a session names its user
// and carries its CSRF token; the cookie is not stored (only its hash); an expired or ended session
// and one whose user is gone are no session; a role revoked during a session is gone at once; a
// pending OpenID Connect login is taken once and expires.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { addUser, grantRole, revokeRole } from '../../src/access/index.js';
import { SESSION_HOURS } from '../../src/server/session/session-store.js';
import {
  createSession,
  csrfMatches,
  endSession,
  sessionOf,
  startLogin,
  takeLogin,
} from '../../src/server/session/session-store.js';
import { openStore } from '../../src/store/index.js';
import { storeBackendsForTests } from '../store/store-test-backends.js';

const NOW = new Date('2027-03-02T08:00:00Z');
const NODE = '/r/alpine-it/c/muster-ag';

for (const backend of storeBackendsForTests()) {
  describe(`portal sessions (${backend.name})`, () => {
    test('create, read with grants, CSRF, expiry, revocation, logout', async () => {
      const store = await openStore(await backend.fresh());
      try {
        const access = { store, actor: 'test', now: NOW };
        const anna = (await addUser(access, 'anna', { oidcSubject: 'anna@muster.example' })).value!;
        await grantRole(access, anna, 'customer-approver', NODE);
        const s = await createSession(store, anna.id, 'oidc', NOW);
        const rows = await store.db.selectFrom('web_sessions').selectAll().execute();
        assert.equal(rows.length, 1);
        assert.notEqual(rows[0]!.id_hash, s.cookie, 'the cookie itself is not stored');
        assert.equal(rows[0]!.id_hash, createHash('sha256').update(s.cookie).digest('base64url'));

        const got = await sessionOf(store, s.cookie, NOW);
        assert.equal(got?.caller.principal.name, 'anna');
        assert.equal(got?.caller.actor, 'user:anna');
        assert.deepEqual(got?.caller.grants, [{ role: 'customer-approver', scope: NODE }]);
        assert.equal(got?.login, 'oidc');
        assert.equal(csrfMatches(got!, s.csrfToken), true);
        assert.equal(csrfMatches(got!, undefined), false);
        assert.equal(csrfMatches(got!, `${s.csrfToken}x`), false);
        assert.equal(csrfMatches(got!, s.cookie), false, 'the cookie is not the CSRF token');
        assert.equal(await sessionOf(store, 'not-a-session', NOW), undefined);

        const end = new Date(NOW.getTime() + SESSION_HOURS * 3_600_000);
        assert.ok(await sessionOf(store, s.cookie, new Date(end.getTime() - 1)));
        assert.equal(await sessionOf(store, s.cookie, end), undefined, 'expired');

        await revokeRole(access, anna, 'customer-approver', NODE);
        assert.deepEqual((await sessionOf(store, s.cookie, NOW))?.caller.grants, [], 'revoked at once');

        await endSession(store, s.cookie);
        assert.equal(await sessionOf(store, s.cookie, NOW), undefined, 'logged out');

        // expired sessions are dropped when the next one is made
        await createSession(store, anna.id, 'password', NOW);
        await createSession(store, anna.id, 'password', new Date(end.getTime() + 1));
        assert.equal((await store.db.selectFrom('web_sessions').selectAll().execute()).length, 1);
      } finally {
        await store.close();
      }
    });

    test('a pending OpenID Connect login is taken once, within ten minutes', async () => {
      const store = await openStore(await backend.fresh());
      try {
        const login = { state: 's1', nonce: 'n1', codeVerifier: 'v1' };
        const cookie = await startLogin(store, login, NOW);
        assert.deepEqual(await takeLogin(store, cookie, NOW), login);
        assert.equal(await takeLogin(store, cookie, NOW), undefined, 'a callback is answered once');
        const late = await startLogin(store, login, NOW);
        assert.equal(await takeLogin(store, late, new Date(NOW.getTime() + 10 * 60_000)), undefined);
      } finally {
        await store.close();
      }
    });
  });
}
