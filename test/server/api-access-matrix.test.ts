// The access matrix of /api/v1 (docs/api.md, docs/access.md): every route of the route table, for
// every role, against the caller's own customer, another customer of the same reseller and a
// customer of another reseller. The expected status comes from this file's own table of what each
// role may do, not from src/access's; a route without a rule here fails. Zero leaks: a list holds
// only the caller's tenants, no answer names a tenant the caller cannot see, and every 404 is the
// same body, for a thing outside the caller's tree and for one that does not exist.
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import { revokeToken } from '../../src/access/index.js';
import type { Grant } from '../../src/access/index.js';
import { apiRoutes } from '../../src/server/index.js';
import type { ApiRoute } from '../../src/server/index.js';
import { apiHarness, RELEASE, SECRET } from './api-harness.js';
import type { ApiHarness } from './api-harness.js';

// ---- the tenants of the demo, and what each relation means --------------------------------------
const OWN = 'muster-ag';
const SIBLING = 'bergbahn-ag';
const FOREIGN = 'uhrwerk-sa';
const OWN_RESELLER = 'alpine-it';
const FOREIGN_RESELLER = 'seeland-web';
const RESELLER_OF: Record<string, string> = {
  'muster-ag': 'alpine-it',
  'bergbahn-ag': 'alpine-it',
  'kaeserei-emmental': 'alpine-it',
  'velo-club-biel': 'seeland-web',
  'uhrwerk-sa': 'seeland-web',
};
const ALL_CUSTOMERS = Object.keys(RESELLER_OF);
const VM_OF: Record<string, string> = {
  'muster-ag': 'test/web1',
  'bergbahn-ag': 'production/app1',
  'uhrwerk-sa': 'test/web1',
};
type Relation = 'own' | 'sibling' | 'foreign';
const CUSTOMER_OF: Record<Relation, string> = { own: OWN, sibling: SIBLING, foreign: FOREIGN };
const RESELLER_BY: Record<Relation, string> = {
  own: OWN_RESELLER,
  sibling: OWN_RESELLER,
  foreign: FOREIGN_RESELLER,
};

// ---- what each role may do: this test's own table ------------------------------------------------
/** `run`: plan, apply, build, deploy, promote; `manage`: grant and revoke roles. */
type Capability = 'read' | 'audit' | 'decide' | 'decide-on-behalf' | 'run' | 'manage';
type Level = 'provider' | 'reseller' | 'customer';
const ROLE_TABLE: Record<string, { level: Level; may: Capability[] }> = {
  'provider-admin': { level: 'provider', may: ['read', 'audit', 'decide-on-behalf', 'run', 'manage'] },
  'provider-operator': { level: 'provider', may: ['read', 'audit', 'decide-on-behalf', 'run'] },
  'provider-auditor': { level: 'provider', may: ['read', 'audit'] },
  'reseller-admin': { level: 'reseller', may: ['read', 'audit', 'manage'] },
  'reseller-reader': { level: 'reseller', may: ['read'] },
  'customer-admin': { level: 'customer', may: ['read', 'audit', 'decide', 'manage'] },
  'customer-approver': { level: 'customer', may: ['read', 'decide'] },
  'customer-reader': { level: 'customer', may: ['read'] },
};
const ROLES = Object.keys(ROLE_TABLE);
const grantOf = (role: string): Grant => {
  const level = ROLE_TABLE[role]!.level;
  return {
    role: role as Grant['role'],
    scope:
      level === 'provider'
        ? '/'
        : level === 'reseller'
          ? `/r/${OWN_RESELLER}`
          : `/r/${OWN_RESELLER}/c/${OWN}`,
  };
};
/** The customers a role's principal sees (its own node and below). */
function seenCustomers(role: string): string[] {
  const level = ROLE_TABLE[role]!.level;
  if (level === 'provider') return ALL_CUSTOMERS;
  if (level === 'reseller') return ALL_CUSTOMERS.filter((c) => RESELLER_OF[c] === OWN_RESELLER);
  return [OWN];
}
function seenResellers(role: string): string[] {
  const level = ROLE_TABLE[role]!.level;
  return level === 'provider' ? [OWN_RESELLER, FOREIGN_RESELLER] : level === 'reseller' ? [OWN_RESELLER] : [];
}
const mayDo = (role: string, c: Capability | 'decide-any') =>
  c === 'decide-any'
    ? ROLE_TABLE[role]!.may.includes('decide') || ROLE_TABLE[role]!.may.includes('decide-on-behalf')
    : ROLE_TABLE[role]!.may.includes(c);

// ---- one rule per route ---------------------------------------------------------------------------
interface Req {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  payload?: object;
}
interface Rule {
  /** What the route acts on: a customer, a reseller, the tree (a list or a release), the caller. */
  on: 'customer' | 'reseller' | 'tree' | 'self';
  needs: Capability | 'decide-any' | 'any';
  ok: number;
  request(target: string, role: string): Req;
  /** Only these relations (a customer of another reseller has no package in the demo). */
  only?: Relation[];
  /** The tenants each item of a list names (checked against what the role sees). */
  names?(item: Record<string, unknown>): { customers: string[]; resellers: string[] };
}
const get = (url: string): Req => ({ method: 'GET', url: `/api/v1${url}` });
const customersIn = (items: unknown) => (items as { customer: string }[]).map((x) => x.customer);
const post = (url: string, payload: object = {}): Req => ({ method: 'POST', url: `/api/v1${url}`, payload });
const PACKAGE_OF: Record<string, string> = { 'muster-ag': 'muster-shop', 'bergbahn-ag': 'bergbahn-booking' };
/** A job of each customer (a plan, started by the provider's admin before the matrix). */
const JOB_OF: Record<string, string> = {};
const ownNames = (item: Record<string, unknown>) => ({
  customers: item.customer ? [item.customer as string] : [],
  resellers: item.reseller ? [item.reseller as string] : [],
});
/** The tenants a node of the tree names: `/r/<reseller>/c/<customer>`. */
const nodeNames = (node: string) => {
  const parts = node.split('/');
  return { customers: parts[4] ? [parts[4]] : [], resellers: parts[2] ? [parts[2]] : [] };
};
const assignmentOf = (c: string) => ({
  user: 'customer-reader',
  role: 'customer-reader',
  scope: `/r/${RESELLER_OF[c]}/c/${c}`,
});

const RULES: Record<string, Rule> = {
  listResellers: {
    on: 'tree',
    needs: 'read',
    ok: 200,
    request: () => get('/resellers'),
    names: (r) => ({ customers: r.customers as string[], resellers: [r.name as string] }),
  },
  getReseller: { on: 'reseller', needs: 'read', ok: 200, request: (r) => get(`/resellers/${r}`) },
  listCustomers: {
    on: 'tree',
    needs: 'read',
    ok: 200,
    request: () => get('/customers'),
    names: (c) => ({ customers: [c.name as string], resellers: [c.reseller as string] }),
  },
  getCustomer: { on: 'customer', needs: 'read', ok: 200, request: (c) => get(`/customers/${c}`) },
  listEnvironments: {
    on: 'customer',
    needs: 'read',
    ok: 200,
    request: (c) => get(`/customers/${c}/environments`),
    names: (e) => ({ customers: [e.customer as string], resellers: [e.reseller as string] }),
  },
  listVms: {
    on: 'customer',
    needs: 'read',
    ok: 200,
    request: (c) => get(`/customers/${c}/vms`),
    names: (v) => ({ customers: [v.customer as string], resellers: [v.reseller as string] }),
  },
  getVm: { on: 'customer', needs: 'read', ok: 200, request: (c) => get(`/vms/${c}/${VM_OF[c]}`) },
  listReleases: {
    on: 'tree',
    needs: 'read',
    ok: 200,
    request: () => get('/releases'),
    names: (r) => ({ customers: [...customersIn(r.deployed), ...customersIn(r.decisions)], resellers: [] }),
  },
  getRelease: { on: 'tree', needs: 'read', ok: 200, request: () => get(`/releases/${RELEASE}`) },
  getReleaseDiff: {
    on: 'customer',
    needs: 'read',
    ok: 200,
    request: (c) => get(`/releases/${RELEASE}/customers/${c}/diff`),
  },
  decideRelease: {
    on: 'customer',
    needs: 'decide-any',
    ok: 201,
    request: (c, role) => ({
      method: 'POST',
      url: `/api/v1/releases/${RELEASE}/customers/${c}/decision`,
      payload: {
        decision: 'accepted',
        comment: `by ${role}`,
        ...(mayDo(role, 'decide-on-behalf') ? { onBehalf: { reason: 'the customer asked by phone' } } : {}),
      },
    }),
  },
  listWindows: {
    on: 'tree',
    needs: 'read',
    ok: 200,
    request: () => get('/windows?from=2027-03-01&to=2027-04-30'),
    names: (w) => ({
      customers: w.customer ? [w.customer as string] : [],
      resellers: w.reseller ? [w.reseller as string] : [],
    }),
  },
  listAudit: {
    on: 'tree',
    needs: 'audit',
    ok: 200,
    request: () => get('/audit'),
    names: (e) => {
      const node = (e.node as string).split('/');
      return {
        customers: [...(e.customer ? [e.customer as string] : []), ...(node[4] ? [node[4]] : [])],
        resellers: node[2] ? [node[2]] : [],
      };
    },
  },
  listPackages: { on: 'tree', needs: 'read', ok: 200, request: () => get('/packages'), names: ownNames },
  listBuilds: {
    on: 'customer',
    only: ['own', 'sibling'],
    needs: 'read',
    ok: 200,
    request: (c) => get(`/packages/${PACKAGE_OF[c]}/builds`),
  },
  listRepositories: {
    on: 'tree',
    needs: 'read',
    ok: 200,
    request: () => get('/repositories'),
    names: ownNames,
  },
  listDistributions: {
    on: 'tree',
    needs: 'read',
    ok: 200,
    request: () => get('/distributions'),
    names: ownNames,
  },
  listRoleAssignments: {
    on: 'tree',
    needs: 'manage',
    ok: 200,
    request: () => get('/role-assignments'),
    names: (a) => nodeNames(a.scope as string),
  },
  // tokens never grant: whoever may manage access there is refused all the same (users grant)
  grantRole: {
    on: 'customer',
    needs: 'manage',
    ok: 403,
    request: (c) => post('/role-assignments', assignmentOf(c)),
  },
  revokeRole: {
    on: 'customer',
    needs: 'manage',
    ok: 403,
    request: (c) => ({
      method: 'DELETE',
      url: `/api/v1/role-assignments?${new URLSearchParams(assignmentOf(c)).toString()}`,
    }),
  },
  createPlan: {
    on: 'customer',
    needs: 'run',
    ok: 202,
    request: (c) => post(`/customers/${c}/environments/test/plans`),
  },
  // an apply names the plan job it executes: one that does not exist is refused as bad input
  createApply: {
    on: 'customer',
    needs: 'run',
    ok: 400,
    request: (c) => post(`/customers/${c}/environments/test/applies`, { plan: 'job-nosuchjob000' }),
  },
  createBuild: {
    on: 'customer',
    only: ['own', 'sibling'],
    needs: 'run',
    ok: 202,
    // a tag that does not exist: the job ends at once, without building
    request: (c) => post(`/packages/${PACKAGE_OF[c]}/builds`, { tag: 'v0.0.0-none' }),
  },
  deployRelease: {
    on: 'customer',
    needs: 'run',
    ok: 202,
    request: (c) => post(`/releases/${RELEASE}/customers/${c}/deployments`),
  },
  promoteRelease: {
    on: 'customer',
    needs: 'run',
    ok: 202,
    request: (c) => post(`/releases/${RELEASE}/customers/${c}/promotions`),
  },
  listJobs: {
    on: 'tree',
    needs: 'read',
    ok: 200,
    request: () => get('/jobs'),
    names: (j) => nodeNames(j.scope as string),
  },
  getJob: { on: 'customer', needs: 'read', ok: 200, request: (c) => get(`/jobs/${JOB_OF[c]}`) },
  getJobEvents: { on: 'customer', needs: 'read', ok: 200, request: (c) => get(`/jobs/${JOB_OF[c]}/events`) },
  listTokens: { on: 'self', needs: 'any', ok: 200, request: () => get('/tokens') },
  createToken: {
    on: 'self',
    // tokens never make tokens, whatever their role
    needs: 'any',
    ok: 403,
    request: (_t, role) => ({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { name: 'minted', grants: [grantOf(role)], expiresAt: '2027-04-01T00:00:00Z' },
    }),
  },
  revokeToken: {
    on: 'self',
    needs: 'any',
    ok: 204,
    request: (id) => ({ method: 'DELETE', url: `/api/v1/tokens/${id}` }),
  },
};

// ---- the harness ------------------------------------------------------------------------------------
let h: ApiHarness;
const tokens = new Map<string, { token: string; tokenId: string }>();
let counter = 0;

before(async () => {
  h = await apiHarness();
  for (const role of ROLES) tokens.set(role, await h.principal(role, [grantOf(role)]));
  const admin = tokens.get('provider-admin')!.token;
  for (const c of Object.values(CUSTOMER_OF)) {
    const res = await call(admin, post(`/customers/${c}/environments/test/plans`));
    assert.equal(res.status, 202, res.body);
    JOB_OF[c] = res.json().id as string;
  }
});
after(async () => h?.close());

async function call(token: string, r: Req) {
  const res = await h.server.inject({
    method: r.method,
    url: r.url,
    headers: { authorization: `Bearer ${token}` },
    ...(r.payload ? { payload: r.payload } : {}),
  });
  return {
    status: res.statusCode,
    body: res.body,
    headers: { type: res.headers['content-type'], length: res.headers['content-length'] },
    json: () => JSON.parse(res.body) as Record<string, unknown>,
  };
}

/** A 2xx answer matches the route's own schema (what the OpenAPI document says it answers). */
function checkShape(route: ApiRoute, body: Record<string, unknown>) {
  if (!route.response) return;
  if (route.list) for (const item of body.items as unknown[]) route.response.parse(item);
  else route.response.parse(body);
}

/** No answer names a customer or reseller the role cannot see, beyond what the request named itself. */
function checkNoLeak(role: string, req: Req, body: string) {
  const hidden = [
    ...ALL_CUSTOMERS.filter((c) => !seenCustomers(role).includes(c)),
    ...[OWN_RESELLER, FOREIGN_RESELLER].filter((r) => !seenResellers(role).includes(r)),
  ].filter((name) => !req.url.includes(name));
  // a customer's reseller is named in the customer's own answers (its node): allowed
  const allowed = seenCustomers(role).map((c) => RESELLER_OF[c]!);
  for (const name of hidden.filter((n) => !allowed.includes(n)))
    assert.ok(
      !body.includes(name),
      `${role} ${req.method} ${req.url}: the answer names ${name}: ${body.slice(0, 300)}`,
    );
}

let notVisibleBody: string | undefined;
function checkNotFound(body: string, where: string) {
  notVisibleBody ??= body;
  assert.equal(body, notVisibleBody, `${where}: every 404 is the same body`);
}

// ---- the tests ---------------------------------------------------------------------------------------
test('every route of the table has a rule in this matrix, and every rule a route', () => {
  assert.deepEqual(
    apiRoutes.map((r) => r.id).sort(),
    Object.keys(RULES).sort(),
    'a new route needs its rule in RULES (who may call it, on what)',
  );
});

describe('the access matrix: route × role × own customer / same reseller / other reseller', () => {
  for (const route of apiRoutes) {
    const rule = RULES[route.id];
    if (!rule) continue;
    for (const role of ROLES) {
      test(`${route.id} as ${role}`, async () => {
        const { token, tokenId } = tokens.get(role)!;
        const cases: { relation: string; target: string; expect: number; token: string }[] = [];
        if (rule.on === 'customer' || rule.on === 'reseller')
          for (const relation of ['own', 'sibling', 'foreign'] as Relation[]) {
            if (rule.on === 'reseller' && relation === 'sibling') continue;
            if (rule.only && !rule.only.includes(relation)) continue;
            const target = rule.on === 'customer' ? CUSTOMER_OF[relation] : RESELLER_BY[relation];
            const sees =
              rule.on === 'customer'
                ? seenCustomers(role).includes(target)
                : seenResellers(role).includes(target);
            const expect = !sees ? 404 : rule.needs !== 'any' && !mayDo(role, rule.needs) ? 403 : rule.ok;
            cases.push({ relation, target, expect, token });
          }
        else if (rule.on === 'tree') {
          const expect = rule.needs !== 'any' && !mayDo(role, rule.needs) ? 403 : rule.ok;
          cases.push({ relation: 'tree', target: '', expect, token });
        } else if (route.id === 'revokeToken') {
          // a token revokes itself (a throwaway one), and cannot see anyone else's
          const own = await h.principal(`${role}-throwaway-${counter++}`, [grantOf(role)]);
          cases.push({ relation: 'own', target: own.tokenId, expect: 204, token: own.token });
          const other = tokens.get(role === 'provider-admin' ? 'customer-reader' : 'provider-admin')!;
          cases.push({ relation: 'other', target: other.tokenId, expect: 404, token });
        } else {
          cases.push({ relation: 'self', target: tokenId, expect: rule.ok, token });
        }
        for (const c of cases) {
          const req: Req = rule.request(c.target, role);
          const res = await call(c.token, req);
          const where: string = `${role} ${req.method} ${req.url} (${c.relation})`;
          assert.equal(res.status, c.expect, `${where}: ${res.body}`);
          if (res.status === 404) checkNotFound(res.body, where);
          if (res.status >= 400)
            assert.equal(
              res.json().code,
              { 400: 'USAGE', 403: 'ACCESS_DENIED', 404: 'NOT_FOUND' }[res.status],
            );
          checkNoLeak(role, req, res.body);
          if (res.status < 300 && res.body && String(res.headers.type).startsWith('application/json')) {
            const body = res.json();
            checkShape(route, body);
            if (rule.names)
              for (const item of body.items as Record<string, unknown>[]) {
                const named = rule.names(item);
                for (const cu of named.customers)
                  assert.ok(seenCustomers(role).includes(cu), `${where}: the list names customer ${cu}`);
                for (const re of named.resellers)
                  assert.ok(
                    seenResellers(role).includes(re) ||
                      seenCustomers(role).some((cu) => RESELLER_OF[cu] === re),
                    `${where}: the list names reseller ${re}`,
                  );
              }
          }
        }
        // the other principal's token still works: a refused revoke changed nothing
        if (route.id === 'revokeToken') {
          const other = tokens.get(role === 'provider-admin' ? 'customer-reader' : 'provider-admin')!;
          assert.equal((await call(other.token, get('/tokens'))).status, 200);
        }
      });
    }
  }
});

describe('zero leaks', () => {
  test('lists hold exactly the tenants a direct read allows', async () => {
    for (const role of ROLES) {
      const { token } = tokens.get(role)!;
      const customers = (await call(token, get('/customers'))).json().items as { name: string }[];
      assert.deepEqual(customers.map((c) => c.name).sort(), [...seenCustomers(role)].sort(), role);
      for (const c of ALL_CUSTOMERS) {
        const direct = await call(token, get(`/customers/${c}`));
        assert.equal(
          direct.status === 200,
          customers.some((x) => x.name === c),
          `${role} ${c}`,
        );
      }
      const resellers = (await call(token, get('/resellers'))).json().items as { name: string }[];
      assert.deepEqual(resellers.map((r) => r.name).sort(), seenResellers(role).sort(), role);
    }
  });

  test('a 404 is the same body for a thing outside the tree and for one that does not exist', async () => {
    const { token } = tokens.get('customer-admin')!;
    const paths = [
      (c: string) => `/customers/${c}`,
      (c: string) => `/customers/${c}/vms`,
      (c: string) => `/customers/${c}/environments`,
      (c: string) => `/vms/${c}/test/web1`,
      (c: string) => `/releases/${RELEASE}/customers/${c}/diff`,
      (c: string) => `/audit?customer=${c}`,
      (c: string) => `/windows?customer=${c}`,
    ];
    for (const p of paths) {
      const outside = await call(token, get(p(FOREIGN)));
      const missing = await call(token, get(p('no-such-customer')));
      assert.equal(outside.status, 404, p(FOREIGN));
      assert.equal(outside.body, missing.body, p(FOREIGN));
      assert.deepEqual(outside.headers, missing.headers);
    }
    const ownMissingVm = await call(token, get(`/vms/${OWN}/test/no-such-vm`));
    const missingRelease = await call(token, get('/releases/1999-01'));
    assert.equal(ownMissingVm.body, missingRelease.body);
    checkNotFound(ownMissingVm.body, 'a VM that does not exist');
  });

  test("a VM's secret parameter is shown only as its digest, its origin named", async () => {
    const { token } = tokens.get('customer-reader')!;
    const res = await call(token, get(`/vms/${OWN}/test/web1`));
    assert.equal(res.status, 200);
    assert.ok(!res.body.includes(SECRET), 'the secret never leaves the VM');
    const params = res.json().parameters as {
      key: string;
      value: unknown;
      sensitive: boolean;
      origin: { file?: string };
    }[];
    const secret = params.find((p) => p.key === 'profile::muster_shop::api_key')!;
    assert.match(String(secret.value), /^\[sensitive\] sha256:[0-9a-f]{12}$/);
    assert.equal(secret.sensitive, true);
    assert.equal(secret.origin.file, 'data/customer/muster-ag.yaml');
    const workers = params.find((p) => p.key === 'profile::muster_shop::workers')!;
    assert.equal(workers.sensitive, false);
  });
});

describe('the Foreman case: roles in two customers never combine', () => {
  test('an approver of one customer who reads another cannot decide for the other', async () => {
    const grants: Grant[] = [
      { role: 'customer-approver', scope: `/r/${OWN_RESELLER}/c/${OWN}` },
      { role: 'customer-reader', scope: `/r/${FOREIGN_RESELLER}/c/${FOREIGN}` },
    ];
    const { token } = await h.principal('foreman', grants);
    const decide = (c: string) =>
      call(token, {
        method: 'POST',
        url: `/api/v1/releases/${RELEASE}/customers/${c}/decision`,
        payload: { decision: 'accepted' },
      });
    assert.equal((await decide(OWN)).status, 201);
    const other = await decide(FOREIGN);
    assert.equal(other.status, 403, other.body);
    assert.equal(other.json().code, 'ACCESS_DENIED');
    assert.equal((await decide(SIBLING)).status, 404);
    // it reads both, and nothing else
    const customers = (await call(token, get('/customers'))).json().items as { name: string }[];
    assert.deepEqual(customers.map((c) => c.name).sort(), [OWN, FOREIGN].sort());
    // and audit.read of neither: the audit log is refused, not emptied
    assert.equal((await call(token, get('/audit'))).status, 403);
  });
});

describe('deciding on behalf', () => {
  test('provider staff need a reason, and the audit log keeps it with the principal', async () => {
    const { token, tokenId } = tokens.get('provider-operator')!;
    const url = `/api/v1/releases/${RELEASE}/customers/${SIBLING}/decision`;
    const without = await call(token, { method: 'POST', url, payload: { decision: 'rejected' } });
    assert.equal(without.status, 400);
    assert.equal((without.json().errors as { field: string }[])[0]!.field, 'body.onBehalf');
    const done = await call(token, {
      method: 'POST',
      url,
      payload: { decision: 'rejected', onBehalf: { reason: 'ticket 4711: the customer cannot log in' } },
    });
    assert.equal(done.status, 201, done.body);
    const audit = (await call(token, get(`/audit?customer=${SIBLING}`))).json().items as {
      actor: string;
      action: string;
      detail: Record<string, unknown>;
    }[];
    const onBehalf = audit.filter((e) => e.action === 'release.decide-on-behalf').at(-1)!;
    assert.equal(onBehalf.actor, `token:${tokenId}`);
    assert.equal(onBehalf.detail.reason, 'ticket 4711: the customer cannot log in');
    assert.equal(audit.filter((e) => e.action === 'release.reject').at(-1)!.actor, `token:${tokenId}`);
    // a customer's own approver decides as itself
    const approver = tokens.get('customer-approver')!;
    const asItself = await call(approver.token, {
      method: 'POST',
      url: `/api/v1/releases/${RELEASE}/customers/${OWN}/decision`,
      payload: { decision: 'accepted', onBehalf: { reason: 'x' } },
    });
    assert.equal(asItself.status, 400);
  });
});

describe('revoking a token cuts it off', () => {
  test('after DELETE the token answers 401', async () => {
    const t = await h.principal('short-lived', [grantOf('customer-reader')]);
    assert.equal((await call(t.token, get('/customers'))).status, 200);
    await revokeToken(h.access, t.tokenId);
    assert.equal((await call(t.token, get('/customers'))).status, 401);
  });
});
