// Principals, their grants and tokens in the one store (docs/access.md). A caller (an API
// principal) is held to `mayGrant` for every role it hands out and never mints tokens or grants
// with a token; without a caller the local CLI acts with the provider's full trust (whoever can
// open the state can change it anyway).
import { error } from '../diag/index.js';
import type { Diagnostic, Result } from '../diag/index.js';
import type { Store } from '../store/index.js';
import { isRole, ROLES } from './access-roles.js';
import type { Role } from './access-roles.js';
import { parseScope } from './access-scope.js';
import { covers, mayGrant } from './authorize.js';
import type { Grant, GrantRefusal } from './authorize.js';
import { hashPassword, newToken, sameHash, tokenHash, tokenIdOf, verifyPassword } from './access-secrets.js';

export interface Principal {
  id: number;
  kind: 'user' | 'token';
  name: string;
  ownerId?: number;
  expiresAt?: string;
  revokedAt?: string;
  createdBy: string;
  createdAt: string;
}

/** Who acts: the audit name, the clock, and the API principal (absent: the local CLI). */
export interface AccessContext {
  store: Store;
  actor: string;
  now: Date;
  caller?: { principal: Principal; grants: Grant[] };
}

type Row = Awaited<ReturnType<typeof principalRows>>[number];

function principalRows(store: Store) {
  return store.db.selectFrom('access_principals').selectAll().orderBy('id').execute();
}

function principalOf(r: Row): Principal {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    ...(r.owner_id !== null ? { ownerId: r.owner_id } : {}),
    ...(r.expires_at ? { expiresAt: r.expires_at } : {}),
    ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}),
    createdBy: r.created_by,
    createdAt: r.created_at,
  };
}

const fail = <T>(...diagnostics: Diagnostic[]): Result<T | undefined> => ({ value: undefined, diagnostics });

export async function findUser(store: Store, name: string): Promise<Principal | undefined> {
  const r = await store.db
    .selectFrom('access_principals')
    .selectAll()
    .where('kind', '=', 'user')
    .where('name', '=', name)
    .executeTakeFirst();
  return r ? principalOf(r) : undefined;
}

export async function addUser(
  ctx: AccessContext,
  name: string,
  opts: { password?: string; oidcSubject?: string } = {},
): Promise<Result<Principal | undefined>> {
  if (!/^[a-z0-9][a-z0-9._@-]{0,127}$/i.test(name))
    return fail(
      error('USAGE', `user name '${name}' must be letters, digits and . _ @ - (up to 128)`, {
        field: 'name',
      }),
    );
  if (ctx.caller) return fail(refusedFor(ctx, 'add users'));
  if (await findUser(ctx.store, name))
    return fail(error('CONFLICT', `user '${name}' exists`, { field: 'name' }));
  const row = await ctx.store.db
    .insertInto('access_principals')
    .values({
      kind: 'user',
      name,
      owner_id: null,
      password_hash: opts.password !== undefined ? await hashPassword(opts.password) : null,
      oidc_subject: opts.oidcSubject ?? null,
      token_id: null,
      token_hash: null,
      expires_at: null,
      revoked_at: null,
      created_by: ctx.actor,
      created_at: ctx.now.toISOString(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { value: principalOf(row), diagnostics: [] };
}

export async function grantsOf(store: Store, principalId: number): Promise<Grant[]> {
  const rows = await store.db
    .selectFrom('access_grants')
    .select(['role', 'scope'])
    .where('principal_id', '=', principalId)
    .orderBy('scope')
    .orderBy('role')
    .execute();
  return rows.filter((r) => isRole(r.role)).map((r) => ({ role: r.role as Role, scope: r.scope }));
}

/** An access_grants row: who gave it and when, from the acting context. */
function grantRow(ctx: AccessContext, principalId: number, g: { role: string; scope: string }) {
  return {
    principal_id: principalId,
    role: g.role,
    scope: g.scope,
    granted_by: ctx.actor,
    granted_at: ctx.now.toISOString(),
  };
}

function refusedFor(ctx: AccessContext, what: string): Diagnostic {
  return error(
    'ACCESS_DENIED',
    `${ctx.caller!.principal.kind} '${ctx.caller!.principal.name}' may not ${what}`,
    {
      field: 'principal',
    },
  );
}

function grantRefusal(role: Role, scope: string, r: GrantRefusal): Diagnostic {
  const why =
    r.reason === 'level'
      ? `${role} is a ${r.level} role: it goes on ${r.level === 'provider' ? "'/'" : r.level === 'reseller' ? "'/r/<reseller>'" : "'/r/<reseller>/c/<customer>'"}`
      : r.reason === 'above-own'
        ? `${role} on ${scope} allows what you may not do there (${r.missing.join(', ')})`
        : r.reason === 'no-manage'
          ? `you may not manage access on ${scope}`
          : `no such scope: ${scope}`;
  return error(r.reason === 'not-visible' ? 'NOT_FOUND' : 'ACCESS_DENIED', why, { field: 'role' });
}

/** Checks role and scope names, and (for an API caller) that it may give this role there. */
function checkGrant(ctx: AccessContext, role: string, scope: string): Diagnostic | undefined {
  if (!isRole(role))
    return error('USAGE', `no role '${role}' (roles: ${Object.keys(ROLES).join(', ')})`, { field: 'role' });
  const parsed = parseScope(scope);
  if ('code' in parsed) return parsed;
  const granter: Grant[] = ctx.caller ? ctx.caller.grants : [{ role: 'provider-admin', scope: '/' }];
  if (ctx.caller?.principal.kind === 'token') return refusedFor(ctx, 'grant roles or make tokens');
  const may = mayGrant(granter, role, scope);
  return may.allowed ? undefined : grantRefusal(role, scope, may.refusal);
}

export async function grantRole(
  ctx: AccessContext,
  principal: Principal,
  role: string,
  scope: string,
): Promise<Result<boolean | undefined>> {
  const refused = checkGrant(ctx, role, scope);
  if (refused) return fail(refused);
  if (principal.kind === 'token')
    return fail(error('USAGE', "a token's roles are fixed when it is made", { field: 'principal' }));
  const done = await ctx.store.db
    .insertInto('access_grants')
    .values(grantRow(ctx, principal.id, { role, scope }))
    .onConflict((oc) => oc.columns(['principal_id', 'role', 'scope']).doNothing())
    .executeTakeFirst();
  return { value: Number(done.numInsertedOrUpdatedRows ?? 0n) > 0, diagnostics: [] };
}

export async function revokeRole(
  ctx: AccessContext,
  principal: Principal,
  role: string,
  scope: string,
): Promise<Result<boolean | undefined>> {
  const refused = checkGrant(ctx, role, scope);
  if (refused) return fail(refused);
  const done = await ctx.store.db
    .deleteFrom('access_grants')
    .where('principal_id', '=', principal.id)
    .where('role', '=', role)
    .where('scope', '=', scope)
    .executeTakeFirst();
  return { value: Number(done.numDeletedRows) > 0, diagnostics: [] };
}

export interface CreatedToken {
  /** Shown once: only its hash is kept. */
  token: string;
  principal: Principal;
  grants: Grant[];
}

/**
 * A token with `grants`, each of which its owner (the API caller, or `owner`) must hold itself
 * (a token has at most its owner's roles). Tokens never make tokens.
 */
export async function createToken(
  ctx: AccessContext,
  opts: { name: string; grants: { role: string; scope: string }[]; expiresAt: Date; owner?: Principal },
): Promise<Result<CreatedToken | undefined>> {
  if (opts.grants.length === 0)
    return fail(error('USAGE', 'a token needs at least one role', { field: 'role' }));
  if (opts.expiresAt.getTime() <= ctx.now.getTime())
    return fail(error('USAGE', 'a token must expire in the future', { field: 'expires' }));
  for (const g of opts.grants) {
    const refused = checkGrant(ctx, g.role, g.scope);
    if (refused) return fail(refused);
  }
  const owner = ctx.caller?.principal ?? opts.owner;
  if (owner && owner.kind !== 'user') return fail(refusedFor(ctx, 'make tokens'));
  if (owner) {
    const held = ctx.caller?.grants ?? (await grantsOf(ctx.store, owner.id));
    const above = opts.grants.find((g) => !covers(held, g.role as Role, g.scope));
    if (above)
      return fail(
        error('ACCESS_DENIED', `user '${owner.name}' does not hold ${above.role} on ${above.scope} itself`, {
          field: 'role',
        }),
      );
  }
  const made = newToken();
  const grants = opts.grants.map((g) => ({ role: g.role as Role, scope: g.scope }));
  const principal = await ctx.store.transaction(async (trx) => {
    const row = await trx
      .insertInto('access_principals')
      .values({
        kind: 'token',
        name: opts.name,
        owner_id: owner?.id ?? null,
        password_hash: null,
        oidc_subject: null,
        token_id: made.id,
        token_hash: made.hash,
        expires_at: opts.expiresAt.toISOString(),
        revoked_at: null,
        created_by: ctx.actor,
        created_at: ctx.now.toISOString(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    for (const g of grants)
      await trx
        .insertInto('access_grants')
        .values(grantRow(ctx, row.id, g))
        .execute();
    return principalOf(row);
  });
  return { value: { token: made.token, principal, grants }, diagnostics: [] };
}

export async function revokeToken(
  ctx: AccessContext,
  tokenId: string,
): Promise<Result<Principal | undefined>> {
  const row = await ctx.store.db
    .selectFrom('access_principals')
    .selectAll()
    .where('kind', '=', 'token')
    .where('token_id', '=', tokenId)
    .executeTakeFirst();
  if (!row)
    return fail(error('NOT_FOUND', `no token with id '${tokenId}' (aare token list)`, { field: 'id' }));
  if (ctx.caller) {
    const own = row.owner_id !== null && row.owner_id === ctx.caller.principal.id;
    if (!own && ctx.caller.principal.kind === 'token') return fail(refusedFor(ctx, 'revoke other tokens'));
    if (!own) {
      for (const g of await grantsOf(ctx.store, row.id)) {
        const refused = checkGrant(ctx, g.role, g.scope);
        if (refused) return fail(refused);
      }
    }
  }
  if (!row.revoked_at)
    await ctx.store.db
      .updateTable('access_principals')
      .set({ revoked_at: ctx.now.toISOString() })
      .where('id', '=', row.id)
      .execute();
  return {
    value: principalOf({ ...row, revoked_at: row.revoked_at ?? ctx.now.toISOString() }),
    diagnostics: [],
  };
}

export interface ListedPrincipal extends Principal {
  tokenId?: string;
  grants: Grant[];
}

export async function listPrincipals(store: Store): Promise<ListedPrincipal[]> {
  const rows = await principalRows(store);
  const grants = await store.db
    .selectFrom('access_grants')
    .select(['principal_id', 'role', 'scope'])
    .execute();
  return rows.map((r) => ({
    ...principalOf(r),
    ...(r.token_id ? { tokenId: r.token_id } : {}),
    grants: grants
      .filter((g) => g.principal_id === r.id && isRole(g.role))
      .map((g) => ({ role: g.role as Role, scope: g.scope }))
      .sort((a, b) => a.scope.localeCompare(b.scope) || a.role.localeCompare(b.role)),
  }));
}

export type TokenRefusal = 'malformed' | 'unknown' | 'expired' | 'revoked' | 'owner-gone';

/**
 * The principal and effective grants of a bearer token at `now`: its own grants, and of those
 * only the ones its owner still holds (a token never outlives its owner's roles).
 */
export async function authenticateToken(
  store: Store,
  token: string,
  now: Date,
): Promise<{ principal: Principal; grants: Grant[] } | { refusal: TokenRefusal }> {
  const id = tokenIdOf(token);
  if (!id) return { refusal: 'malformed' };
  const row = await store.db
    .selectFrom('access_principals')
    .selectAll()
    .where('kind', '=', 'token')
    .where('token_id', '=', id)
    .executeTakeFirst();
  if (!row?.token_hash || !sameHash(row.token_hash, tokenHash(token))) return { refusal: 'unknown' };
  if (row.revoked_at) return { refusal: 'revoked' };
  if (!row.expires_at || Date.parse(row.expires_at) <= now.getTime()) return { refusal: 'expired' };
  let grants = await grantsOf(store, row.id);
  if (row.owner_id !== null) {
    const owner = await store.db
      .selectFrom('access_principals')
      .select('id')
      .where('id', '=', row.owner_id)
      .executeTakeFirst();
    if (!owner) return { refusal: 'owner-gone' };
    const held = await grantsOf(store, owner.id);
    grants = grants.filter((g) => covers(held, g.role, g.scope));
  }
  return { principal: principalOf(row), grants };
}

/** The user and its grants when the password is right; undefined otherwise (no hint which part was wrong). */
export async function authenticatePassword(
  store: Store,
  name: string,
  password: string,
): Promise<{ principal: Principal; grants: Grant[] } | undefined> {
  const row = await store.db
    .selectFrom('access_principals')
    .selectAll()
    .where('kind', '=', 'user')
    .where('name', '=', name)
    .executeTakeFirst();
  if (!row?.password_hash) {
    // the same work as a wrong password, so the answer's time does not tell which users exist
    await verifyPassword(password, await dummyHash());
    return undefined;
  }
  if (!(await verifyPassword(password, row.password_hash))) return undefined;
  return { principal: principalOf(row), grants: await grantsOf(store, row.id) };
}

let dummy: Promise<string> | undefined;
const dummyHash = () => (dummy ??= hashPassword('no such user'));
