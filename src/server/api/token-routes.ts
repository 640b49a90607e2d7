// The caller's own API tokens (docs/api.md, docs/access.md). A user lists, makes and revokes its
// tokens (with its password: HTTP Basic, on these routes only); a token sees and revokes only
// itself and never makes tokens. A new token holds at most its user's roles, as src/access checks.
import { z } from 'zod';
import { createToken, decide, listPrincipals, parseScope, revokeToken } from '../../access/index.js';
import type { Grant, ListedPrincipal, ScopePath } from '../../access/index.js';
import type { AppContext } from '../../app/index.js';
import { DiagnosticsError, error, hasErrors } from '../../diag/index.js';
import { appendAudit } from '../../release/index.js';
import { listRoute, oneRoute, SHARED } from './api-route.js';
import type { ApiEnv, Caller } from './api-route.js';
import { createdTokenSchema, grantSchema, tokenSchema } from './api-schemas.js';

function ownTokens(all: ListedPrincipal[], caller: Caller): ListedPrincipal[] {
  return all.filter((p) =>
    p.kind !== 'token'
      ? false
      : caller.principal.kind === 'token'
        ? p.tokenId === caller.tokenId
        : p.ownerId === caller.principal.id,
  );
}

function tokenOf(p: ListedPrincipal, all: ListedPrincipal[]) {
  const owner = p.ownerId !== undefined ? all.find((o) => o.id === p.ownerId)?.name : undefined;
  return {
    id: p.tokenId!,
    name: p.name,
    ...(owner !== undefined ? { owner } : {}),
    grants: p.grants,
    expiresAt: p.expiresAt ?? '',
    ...(p.revokedAt ? { revokedAt: p.revokedAt } : {}),
    createdBy: p.createdBy,
    createdAt: p.createdAt,
  };
}

/** The deepest node holding every one of `nodes` (the audit log's scope of a token). */
function commonNode(nodes: ScopePath[]): ScopePath {
  const split = nodes.map((n) => n.split('/').filter(Boolean));
  const first = split[0] ?? [];
  let n = 0;
  while (n < first.length && split.every((s) => s[n] === first[n])) n++;
  // only whole levels: /r/<reseller> or /r/<reseller>/c/<customer>
  const depth = n >= 4 ? 4 : n >= 2 ? 2 : 0;
  return depth === 0 ? '/' : `/${first.slice(0, depth).join('/')}`;
}

function auditScopeOf(node: ScopePath): { scope: string; customer?: string } {
  const s = parseScope(node);
  if ('code' in s) return { scope: '' };
  return s.customer !== undefined
    ? { scope: `${s.reseller}/${s.customer}`, customer: s.customer }
    : { scope: s.reseller ?? '' };
}

const NOT_VISIBLE = () => new DiagnosticsError([error('NOT_FOUND', 'not found')]);

/** A grant's node must be one the caller can see and the control repository has. */
function checkVisibleNode(app: AppContext, caller: Caller, g: Grant, i: number): void {
  const s = parseScope(g.scope, `body.grants.${i}.scope`);
  if ('code' in s) throw new DiagnosticsError([s]);
  if (!decide(caller.grants, 'read', s.path).allowed) throw NOT_VISIBLE();
  const repo = app.controlRepo();
  if (s.reseller !== undefined && !repo.resellers.has(s.reseller)) throw NOT_VISIBLE();
  if (s.customer !== undefined && repo.customers.get(s.customer)?.reseller !== s.reseller)
    throw NOT_VISIBLE();
}

async function audit(env: ApiEnv, action: string, node: ScopePath, detail: Record<string, unknown>) {
  await appendAudit(await env.app.store(), {
    actor: env.caller.actor,
    at: env.now,
    action,
    ...auditScopeOf(node),
    detail,
    result: 'ok',
  });
}

export const tokenRoutes = [
  listRoute({
    id: 'listTokens',
    method: 'GET',
    path: '/tokens',
    summary: "The caller's own tokens (a token: itself)",
    tag: 'tokens',
    access: { kind: 'self' },
    item: tokenSchema,
    scopeOf: () => SHARED,
    key: (t) => t.id,
    handle: async (_input, env) => {
      const all = await listPrincipals(await env.app.store());
      return ownTokens(all, env.caller).map((p) => tokenOf(p, all));
    },
  }),
  oneRoute({
    id: 'createToken',
    method: 'POST',
    path: '/tokens',
    summary: 'A token for the calling user, with at most its roles; shown once (tokens never make tokens)',
    tag: 'tokens',
    body: z.strictObject({
      name: z.string().min(1).max(128),
      grants: z.array(grantSchema).min(1).max(16),
      expiresAt: z.iso.datetime({ offset: true }).describe('when the token stops working'),
    }),
    access: { kind: 'self' },
    response: createdTokenSchema,
    status: 201,
    // the secret is shown once: a replay answers everything else
    replayed: ({ token: _secret, ...rest }) => rest,
    handle: async ({ body }, env) => {
      const caller = env.caller;
      if (caller.principal.kind === 'token')
        throw new DiagnosticsError([
          error('ACCESS_DENIED', 'a token never makes tokens: ask with the user’s password', {
            field: 'principal',
          }),
        ]);
      body.grants.forEach((g, i) => checkVisibleNode(env.app, caller, g, i));
      const store = await env.app.store();
      // without `caller`, src/access checks the one rule that matters here: the owner holds every role given
      const made = await createToken(
        { store, actor: caller.actor, now: env.now },
        {
          name: body.name,
          grants: body.grants,
          expiresAt: new Date(body.expiresAt),
          owner: caller.principal,
        },
      );
      if (!made.value || hasErrors(made.diagnostics)) throw new DiagnosticsError(made.diagnostics);
      const all = await listPrincipals(store);
      const listed = all.find((p) => p.id === made.value!.principal.id)!;
      const out = { ...tokenOf(listed, all), token: made.value.token };
      await audit(env, 'access.token.create', commonNode(body.grants.map((g) => g.scope)), {
        id: out.id,
        name: out.name,
        grants: out.grants,
        expiresAt: out.expiresAt,
        owner: caller.principal.name,
      });
      return out;
    },
  }),
  oneRoute({
    id: 'revokeToken',
    method: 'DELETE',
    path: '/tokens/{id}',
    summary: 'Revoke one of the caller’s tokens (a token: itself); it is refused from then on',
    tag: 'tokens',
    params: z.object({ id: z.string().regex(/^[0-9A-Za-z]{12}$/, 'a token id is 12 letters and digits') }),
    access: { kind: 'self' },
    handle: async ({ params }, env) => {
      const store = await env.app.store();
      const all = await listPrincipals(store);
      const mine = ownTokens(all, env.caller).find((p) => p.tokenId === params.id);
      if (!mine) throw NOT_VISIBLE();
      const revoked = await revokeToken({ store, actor: env.caller.actor, now: env.now }, params.id);
      if (!revoked.value || hasErrors(revoked.diagnostics)) throw new DiagnosticsError(revoked.diagnostics);
      await audit(env, 'access.token.revoke', commonNode(mine.grants.map((g) => g.scope)), {
        id: params.id,
        name: mine.name,
      });
      return undefined;
    },
  }),
];
