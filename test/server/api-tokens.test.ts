// Authentication and the requests around it (docs/api.md): tokens that are expired, revoked,
// malformed or of another prefix all get the one 401; a token never makes a token; a token holds
// at most its owner's roles; a user makes and revokes its tokens with its password; POSTs with
// an Idempotency-Key answer once; bad input is a 400 naming each field; lists page with opaque
// tokens. In process (app.inject) over a SQLite store.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { createToken, findUser, revokeRole, revokeToken } from '../../src/access/index.js';
import type { Grant } from '../../src/access/index.js';
import { openStore } from '../../src/store/index.js';
import { apiHarness, RELEASE } from './api-harness.js';
import type { ApiHarness } from './api-harness.js';

const MUSTER: Grant = { role: 'customer-admin', scope: '/r/alpine-it/c/muster-ag' };
const MUSTER_READER: Grant = { role: 'customer-reader', scope: '/r/alpine-it/c/muster-ag' };
const UHRWERK_READER: Grant = { role: 'customer-reader', scope: '/r/seeland-web/c/uhrwerk-sa' };
const PASSWORD = 'correct horse battery staple';

let h: ApiHarness;
before(async () => {
  h = await apiHarness();
});
after(async () => h?.close());

function call(
  auth: string | undefined,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  payload?: object,
  headers: Record<string, string> = {},
) {
  return h.server.inject({
    method,
    url: `/api/v1${url}`,
    headers: { ...(auth ? { authorization: auth } : {}), ...headers },
    ...(payload ? { payload } : {}),
  });
}
const bearer = (t: string) => `Bearer ${t}`;
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('authentication', () => {
  test('expired, revoked, malformed, wrong prefix, unknown, absent: one 401 for all', async () => {
    const good = await h.principal('anna', [MUSTER]);
    const earlier = { ...h.access, now: new Date('2027-01-01T00:00:00Z') };
    const expired = (
      await createToken(earlier, {
        name: 'old',
        grants: [MUSTER_READER],
        expiresAt: new Date('2027-02-01T00:00:00Z'),
      })
    ).value!.token;
    const revoked = await h.principal('bert', [MUSTER_READER]);
    await revokeToken(h.access, revoked.tokenId);
    const body = good.token.slice('aare_'.length);
    const lastChar = good.token.at(-1) === 'A' ? 'B' : 'A';
    const refused = {
      expired: bearer(expired),
      revoked: bearer(revoked.token),
      'wrong prefix': bearer(`ghp_${body}`),
      'bad checksum': bearer(good.token.slice(0, -1) + lastChar),
      truncated: bearer(good.token.slice(0, -3)),
      // well-formed, never issued here: a token made in another store
      unknown: bearer(await foreignToken()),
      'no scheme': good.token,
      'basic on a tenant route': basic('anna', PASSWORD),
      absent: undefined,
    };
    let first: string | undefined;
    for (const [why, auth] of Object.entries(refused)) {
      const res = await call(auth, 'GET', '/customers');
      assert.equal(res.statusCode, 401, why);
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="aare"', why);
      assert.equal(JSON.parse(res.body).code, 'UNAUTHENTICATED', why);
      first ??= res.body;
      assert.equal(res.body, first, `${why}: the same answer whatever the reason`);
    }
    assert.equal((await call(bearer(good.token), 'GET', '/customers')).statusCode, 200);
  });

  test('a token refused before its body is read: no 400 for a stranger', async () => {
    const res = await h.server.inject({
      method: 'POST',
      url: `/api/v1/releases/${RELEASE}/customers/muster-ag/decision`,
      headers: { 'content-type': 'application/json' },
      payload: '{ not json',
    });
    assert.equal(res.statusCode, 401);
  });
});

async function foreignToken(): Promise<string> {
  const s = await openStore({ sqlitePath: ':memory:' });
  try {
    const made = await createToken(
      { ...h.access, store: s },
      { name: 'x', grants: [MUSTER], expiresAt: new Date('2028-01-01T00:00:00Z') },
    );
    return made.value!.token;
  } finally {
    await s.close();
  }
}

describe('tokens', () => {
  test('a token never makes a token, whatever its role', async () => {
    const admin = await h.principal('root-admin', [{ role: 'provider-admin', scope: '/' }]);
    const res = await call(bearer(admin.token), 'POST', '/tokens', {
      name: 'minted',
      grants: [MUSTER_READER],
      expiresAt: '2027-04-01T00:00:00Z',
    });
    assert.equal(res.statusCode, 403);
    assert.equal(JSON.parse(res.body).code, 'ACCESS_DENIED');
  });

  test('a token with fewer roles than its owner has only its own', async () => {
    const t = await h.principal('carla', [MUSTER, UHRWERK_READER], { tokenGrants: [MUSTER_READER] });
    assert.equal((await call(bearer(t.token), 'GET', '/customers/muster-ag')).statusCode, 200);
    // its owner reads uhrwerk-sa; the token does not
    assert.equal((await call(bearer(t.token), 'GET', '/customers/uhrwerk-sa')).statusCode, 404);
    // its owner reads the audit log and decides; the token does not
    assert.equal((await call(bearer(t.token), 'GET', '/audit')).statusCode, 403);
    const decide = await call(bearer(t.token), 'POST', `/releases/${RELEASE}/customers/muster-ag/decision`, {
      decision: 'accepted',
    });
    assert.equal(decide.statusCode, 403);
  });

  test('a token loses a role its owner loses', async () => {
    const t = await h.principal('dora', [MUSTER]);
    assert.equal((await call(bearer(t.token), 'GET', '/customers/muster-ag')).statusCode, 200);
    await revokeRole(h.access, (await findUser(h.store, 'dora'))!, MUSTER.role, MUSTER.scope);
    assert.equal((await call(bearer(t.token), 'GET', '/customers/muster-ag')).statusCode, 404);
  });

  test('a user makes a token with its password, at most its roles, inside its tree', async () => {
    const approver: Grant = { role: 'customer-approver', scope: '/r/alpine-it/c/muster-ag' };
    const u = await h.principal('erna', [approver], { password: PASSWORD });
    const auth = basic('erna', PASSWORD);
    assert.equal((await call(basic('erna', 'wrong password'), 'POST', '/tokens', {})).statusCode, 401);
    const make = (grants: Grant[], headers: Record<string, string> = {}) =>
      call(auth, 'POST', '/tokens', { name: 'ci', grants, expiresAt: '2027-04-01T00:00:00Z' }, headers);
    const made = await make([MUSTER_READER]);
    assert.equal(made.statusCode, 201, made.body);
    const created = JSON.parse(made.body) as { token: string; id: string; owner: string; grants: Grant[] };
    assert.match(created.token, /^aare_[0-9A-Za-z]{42}$/);
    assert.equal(created.owner, 'erna');
    assert.deepEqual(created.grants, [MUSTER_READER]);
    assert.equal((await call(bearer(created.token), 'GET', '/customers/muster-ag')).statusCode, 200);
    // a role above its own on its own customer: refused
    const above = await make([MUSTER]);
    assert.equal(above.statusCode, 403, above.body);
    assert.equal(JSON.parse(above.body).code, 'ACCESS_DENIED');
    // its reseller's node is above it: not visible
    assert.equal((await make([{ role: 'reseller-reader', scope: '/r/alpine-it' }])).statusCode, 404);
    // another tenant's node does not exist for it, as one that does not exist at all
    const foreign = await make([{ role: 'customer-reader', scope: '/r/seeland-web/c/uhrwerk-sa' }]);
    const missing = await make([{ role: 'customer-reader', scope: '/r/alpine-it/c/no-such' }]);
    assert.equal(foreign.statusCode, 404);
    assert.equal(foreign.body, missing.body);
    assert.ok(!foreign.body.includes('uhrwerk'));
    // it lists its tokens (with its password), and its token lists only itself
    const listed = JSON.parse((await call(auth, 'GET', '/tokens')).body) as { items: { id: string }[] };
    assert.deepEqual(listed.items.map((t) => t.id).sort(), [u.tokenId, created.id].sort());
    const self = JSON.parse((await call(bearer(created.token), 'GET', '/tokens')).body) as {
      items: { id: string }[];
    };
    assert.deepEqual(
      self.items.map((t) => t.id),
      [created.id],
    );
    // a token cannot revoke its sibling; the user can; then the token is refused
    assert.equal((await call(bearer(created.token), 'DELETE', `/tokens/${u.tokenId}`)).statusCode, 404);
    assert.equal((await call(auth, 'DELETE', `/tokens/${created.id}`)).statusCode, 204);
    assert.equal((await call(bearer(created.token), 'GET', '/customers/muster-ag')).statusCode, 401);
    assert.equal((await call(bearer(u.token), 'GET', '/customers/muster-ag')).statusCode, 200);
    // both writes are in the audit log, by the user
    const auditor = await h.principal('erna-auditor', [MUSTER]);
    const audit = JSON.parse(
      (await call(bearer(auditor.token), 'GET', '/audit?customer=muster-ag')).body,
    ) as {
      items: { action: string; actor: string; detail: { id?: string } }[];
    };
    const mine = audit.items.filter((e) => e.detail.id === created.id);
    assert.deepEqual(
      mine.map((e) => [e.action, e.actor]),
      [
        ['access.token.create', 'user:erna'],
        ['access.token.revoke', 'user:erna'],
      ],
    );
  });
});

describe('Idempotency-Key', () => {
  test('the same key from the same principal answers once; another request under it is refused', async () => {
    const t = await h.principal('fritz', [{ role: 'customer-approver', scope: '/r/alpine-it/c/muster-ag' }]);
    const url = `/releases/${RELEASE}/customers/muster-ag/decision`;
    const decisions = async () =>
      (
        await h.store.db
          .selectFrom('release_decisions')
          .select('id')
          .where('decided_by', '=', `token:${t.tokenId}`)
          .execute()
      ).length;
    const key = { 'idempotency-key': 'decide-2027-03-fritz' };
    const first = await call(bearer(t.token), 'POST', url, { decision: 'accepted', comment: 'tested' }, key);
    assert.equal(first.statusCode, 201, first.body);
    const again = await call(bearer(t.token), 'POST', url, { decision: 'accepted', comment: 'tested' }, key);
    assert.equal(again.statusCode, 201);
    assert.equal(again.body, first.body);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(await decisions(), 1, 'acted once');
    const other = await call(bearer(t.token), 'POST', url, { decision: 'rejected' }, key);
    assert.equal(other.statusCode, 409);
    assert.equal(JSON.parse(other.body).code, 'CONFLICT');
    // the same key from another principal is its own
    const g = await h.principal('gina', [{ role: 'customer-approver', scope: '/r/alpine-it/c/muster-ag' }]);
    assert.equal(
      (await call(bearer(g.token), 'POST', url, { decision: 'accepted', comment: 'tested' }, key)).statusCode,
      201,
    );
    assert.equal(await decisions(), 1);
    // a refused request does not keep the key: the retry acts
    const refused = await call(
      bearer(t.token),
      'POST',
      `/releases/1999-01/customers/muster-ag/decision`,
      { decision: 'accepted' },
      { 'idempotency-key': 'k2' },
    );
    assert.equal(refused.statusCode, 404);
    const bad = await call(
      bearer(t.token),
      'POST',
      url,
      { decision: 'accepted' },
      { 'idempotency-key': 'has space' },
    );
    assert.equal(bad.statusCode, 400);
  });

  test('a replayed token creation does not show the secret again', async () => {
    await h.principal('hans', [MUSTER], { password: PASSWORD });
    const make = () =>
      call(
        basic('hans', PASSWORD),
        'POST',
        '/tokens',
        { name: 'ci', grants: [MUSTER_READER], expiresAt: '2027-04-01T00:00:00Z' },
        { 'idempotency-key': 'hans-ci' },
      );
    const first = JSON.parse((await make()).body) as Record<string, unknown>;
    const replay = await make();
    assert.equal(replay.statusCode, 201);
    const again = JSON.parse(replay.body) as Record<string, unknown>;
    assert.equal(typeof first.token, 'string');
    assert.equal(again.token, undefined);
    assert.equal(again.id, first.id);
    const stored = await h.store.db.selectFrom('api_idempotency').select('body').execute();
    assert.ok(
      stored.every((r) => !r.body?.includes(first.token as string)),
      'the secret is not stored',
    );
  });
});

describe('validation and paging', () => {
  let token: string;
  before(async () => {
    token = (await h.principal('ines', [{ role: 'provider-auditor', scope: '/' }])).token;
  });

  test('bad input is a 400 naming each field, and changes nothing', async () => {
    const res = await call(bearer(token), 'GET', '/customers?pageSize=0&pageToken=%%%');
    assert.equal(res.statusCode, 400);
    const p = JSON.parse(res.body) as { code: string; errors: { field: string }[] };
    assert.equal(p.code, 'USAGE');
    assert.deepEqual(p.errors.map((e) => e.field).sort(), ['query.pageSize', 'query.pageToken']);
    const op = (await h.principal('jon', [{ role: 'provider-operator', scope: '/' }])).token;
    const body = await call(bearer(op), 'POST', `/releases/${RELEASE}/customers/muster-ag/decision`, {
      decision: 'maybe',
      extra: 1,
    });
    assert.equal(body.statusCode, 400);
    const fields = (JSON.parse(body.body) as { errors: { field: string }[] }).errors.map((e) => e.field);
    assert.ok(fields.includes('body.decision'), fields.join());
    assert.ok(
      fields.some((f) => f.startsWith('body')),
      fields.join(),
    );
    const bad = await call(bearer(token), 'GET', '/customers/Not_A-Name!');
    assert.equal(bad.statusCode, 400);
    assert.equal(
      (JSON.parse(bad.body) as { errors: { field: string }[] }).errors[0]!.field,
      'params.customer',
    );
    const windows = await call(bearer(token), 'GET', '/windows?from=yesterday');
    assert.equal(windows.statusCode, 400, windows.body);
    assert.equal(
      (JSON.parse(windows.body) as { errors: { field: string }[] }).errors[0]!.field,
      'query.from',
    );
  });

  test('a list pages with opaque tokens: every item once, in order', async () => {
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const res = await call(
        bearer(token),
        'GET',
        `/customers?pageSize=2${pageToken ? `&pageToken=${pageToken}` : ''}`,
      );
      assert.equal(res.statusCode, 200);
      const page = JSON.parse(res.body) as { items: { name: string }[]; nextPageToken?: string };
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((c) => c.name));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(seen, ['bergbahn-ag', 'kaeserei-emmental', 'muster-ag', 'uhrwerk-sa', 'velo-club-biel']);
    const tooBig = await call(bearer(token), 'GET', '/customers?pageSize=501');
    assert.equal(tooBig.statusCode, 400);
  });
});
