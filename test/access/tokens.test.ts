// Tokens and users in the store (SQLite, and PostgreSQL with AARE_TEST_PG_URL): a token is shown
// once and kept as a hash; expired, revoked, malformed (wrong prefix, bad checksum) and unknown
// tokens are refused; a token never mints a token or grants a role; a token holds at most its
// owner's roles, also after the owner loses one; passwords are checked with scrypt.
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import {
  addUser,
  authenticatePassword,
  authenticateToken,
  createToken,
  decide,
  grantRole,
  listPrincipals,
  revokeRole,
  revokeToken,
  tokenIdOf,
} from '../../src/access/index.js';
import type { AccessContext } from '../../src/access/index.js';
import { openStore } from '../../src/store/index.js';
import { storeBackendsForTests } from '../store/store-test-backends.js';

const own = '/r/alpine-it/c/muster-ag';
const other = '/r/alpine-it/c/bergbahn-ag';
const t0 = new Date('2027-03-01T10:00:00Z');
const later = (days: number) => new Date(t0.getTime() + days * 86_400_000);

for (const backend of storeBackendsForTests()) {
  describe(`access tokens and users (${backend.name})`, () => {
    test('token lifecycle, limits and refusals', async (t) => {
      const store = await openStore(await backend.fresh());
      t.after(() => store.close());
      const local: AccessContext = { store, actor: 'ops', now: t0 };

      const anna = (await addUser(local, 'anna', { password: 'correct horse battery staple' })).value!;
      assert.ok(anna);
      assert.equal((await addUser(local, 'anna')).diagnostics[0]?.code, 'CONFLICT');
      assert.equal((await grantRole(local, anna, 'customer-admin', own)).value, true);
      assert.equal((await grantRole(local, anna, 'customer-reader', other)).value, true);
      // a role on a node of another level is refused
      assert.equal(
        (await grantRole(local, anna, 'customer-admin', '/r/alpine-it')).diagnostics[0]?.code,
        'ACCESS_DENIED',
      );
      assert.equal((await grantRole(local, anna, 'no-such-role', own)).diagnostics[0]?.code, 'USAGE');
      assert.equal((await grantRole(local, anna, 'customer-reader', 'r/x')).diagnostics[0]?.code, 'USAGE');

      // passwords
      assert.ok(await authenticatePassword(store, 'anna', 'correct horse battery staple'));
      assert.equal(await authenticatePassword(store, 'anna', 'wrong'), undefined);
      assert.equal(await authenticatePassword(store, 'nobody', 'wrong'), undefined);
      const stored = JSON.stringify(await store.db.selectFrom('access_principals').selectAll().execute());
      assert.doesNotMatch(stored, /correct horse/);

      // anna (through the API) makes a token with fewer roles than she holds
      const annaCtx: AccessContext = {
        ...local,
        actor: 'anna',
        caller: {
          principal: anna,
          grants: [
            { role: 'customer-admin', scope: own },
            { role: 'customer-reader', scope: other },
          ],
        },
      };
      const made = await createToken(annaCtx, {
        name: 'ci',
        grants: [{ role: 'customer-reader', scope: own }],
        expiresAt: later(30),
      });
      assert.deepEqual(made.diagnostics, []);
      const token = made.value!.token;
      assert.match(token, /^aare_[0-9A-Za-z]{42}$/);
      assert.ok(tokenIdOf(token));
      // only a hash is stored
      assert.doesNotMatch(
        JSON.stringify(await store.db.selectFrom('access_principals').selectAll().execute()),
        new RegExp(token),
      );
      const auth = await authenticateToken(store, token, later(1));
      assert.ok('principal' in auth);
      assert.deepEqual(auth.grants, [{ role: 'customer-reader', scope: own }]);
      assert.deepEqual(decide(auth.grants, 'read', own), { allowed: true });
      assert.deepEqual(decide(auth.grants, 'release.decide', own), { allowed: false, status: 403 });
      assert.deepEqual(decide(auth.grants, 'read', other), { allowed: false, status: 404 });

      // not above her own roles: a role she does not hold, or one on a node she cannot see
      const above = await createToken(annaCtx, {
        name: 'x',
        grants: [{ role: 'customer-approver', scope: other }],
        expiresAt: later(30),
      });
      assert.equal(above.diagnostics[0]?.code, 'ACCESS_DENIED');
      const outside = await createToken(annaCtx, {
        name: 'x',
        grants: [{ role: 'customer-reader', scope: '/r/seeland-web/c/uhrwerk-sa' }],
        expiresAt: later(30),
      });
      assert.equal(outside.diagnostics[0]?.code, 'NOT_FOUND');

      // a token never mints a token nor grants a role
      const asToken: AccessContext = {
        ...local,
        actor: 'token',
        caller: { principal: auth.principal, grants: auth.grants },
      };
      const minted = await createToken(asToken, {
        name: 'y',
        grants: [{ role: 'customer-reader', scope: own }],
        expiresAt: later(30),
      });
      assert.equal(minted.diagnostics[0]?.code, 'ACCESS_DENIED');
      assert.equal(
        (await grantRole(asToken, anna, 'customer-reader', own)).diagnostics[0]?.code,
        'ACCESS_DENIED',
      );

      // malformed: wrong prefix, bad checksum, truncated; unknown: well-formed but not issued
      const flip = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
      for (const bad of [`ghp_${token.slice(5)}`, flip, token.slice(0, -3)])
        assert.deepEqual(await authenticateToken(store, bad, later(1)), { refusal: 'malformed' });
      const stranger = await createToken(local, {
        name: 'z',
        grants: [{ role: 'customer-reader', scope: own }],
        expiresAt: later(1),
      });
      await store.db.deleteFrom('access_principals').where('name', '=', 'z').execute();
      assert.deepEqual(await authenticateToken(store, stranger.value!.token, t0), { refusal: 'unknown' });

      // expired
      assert.deepEqual(await authenticateToken(store, token, later(30)), { refusal: 'expired' });

      // the owner loses the role the token was made from: the token loses it too
      await revokeRole(local, anna, 'customer-admin', own);
      const weaker = await authenticateToken(store, token, later(2));
      assert.ok('grants' in weaker);
      assert.deepEqual(weaker.grants, []);
      await grantRole(local, anna, 'customer-reader', own);
      const back = await authenticateToken(store, token, later(2));
      assert.ok('grants' in back && back.grants.length === 1);

      // revoked
      assert.deepEqual(
        (await revokeToken(annaCtx, made.value!.principal.name === 'ci' ? tokenIdOf(token)! : ''))
          .diagnostics,
        [],
      );
      assert.deepEqual(await authenticateToken(store, token, later(2)), { refusal: 'revoked' });
      assert.equal((await revokeToken(local, 'nosuchtoken')).diagnostics[0]?.code, 'NOT_FOUND');

      const listed = await listPrincipals(store);
      assert.deepEqual(
        listed.map((p) => [
          p.kind,
          p.name,
          p.revokedAt !== undefined,
          p.grants.map((g) => `${g.role}@${g.scope}`),
        ]),
        [
          ['user', 'anna', false, [`customer-reader@${other}`, `customer-reader@${own}`]],
          ['token', 'ci', true, [`customer-reader@${own}`]],
        ],
      );
    });
  });
}
