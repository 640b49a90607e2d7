// Packages, package repositories and distributions (read), and role assignments (docs/api.md,
// docs/access.md). A customer's package, repository or distribution belongs to its node; the
// provider's shared ones are shown to everyone who may read. Role assignments are granted and
// revoked through src/access, which refuses a role above the granter's own or outside its subtree
// (mayGrant) and never lets a token grant; every grant and revoke is in the audit log.
import { z } from 'zod';
import {
  findUser,
  grantRole,
  listPrincipals,
  parseScope,
  revokeRole,
  ROLE_NAMES,
} from '../../access/index.js';
import type { Role, ScopePath } from '../../access/index.js';
import type { AppContext } from '../../app/index.js';
import { DiagnosticsError, error, hasErrors } from '../../diag/index.js';
import { appendAudit } from '../../release/index.js';
import { listRoute, oneRoute, SHARED } from './api-route.js';
import type { ApiEnv, Target } from './api-route.js';
import { nameParam, namedSchemas } from './api-schemas.js';
import { packageTarget } from './job-routes.js';
import { customerScope } from './tenant-routes.js';

function named<T extends z.ZodType>(id: string, schema: T): T {
  namedSchemas.set(id, { schema });
  return schema;
}

const packageSchema = named(
  'Package',
  z.object({
    name: z.string(),
    customer: z.string().optional(),
    reseller: z.string().optional(),
    description: z.string().optional(),
    git: z.string().describe('the source repository URL'),
    tagPattern: z.string(),
    repositories: z.array(z.string()),
  }),
);

const buildSchema = named(
  'Build',
  z.object({
    package: z.string(),
    tag: z.string(),
    commit: z.string(),
    filename: z.string(),
    sha256: z.string(),
    builtAt: z.string(),
  }),
);

const repositorySchema = named(
  'Repository',
  z.object({
    name: z.string(),
    customer: z.string().optional().describe("absent: the provider's shared repository"),
    reseller: z.string().optional(),
    latestVersion: z.number().int(),
    packages: z.number().int(),
  }),
);

const distributionSchema = named(
  'Distribution',
  z.object({
    basePath: z.string(),
    customer: z.string(),
    reseller: z.string(),
    environment: z.string(),
    snapshot: z.string().optional().describe('the release snapshot it serves; absent: the latest versions'),
    updatedAt: z.string(),
    versions: z.record(z.string(), z.number().int()),
    packages: z.array(z.string()),
  }),
);

const roleAssignmentSchema = named(
  'RoleAssignment',
  z.object({
    user: z.string(),
    role: z.enum(ROLE_NAMES as [Role, ...Role[]]),
    scope: z.string(),
  }),
);

const resellerOf = (app: AppContext, customer: string | undefined) =>
  customer === undefined ? undefined : app.controlRepo().customers.get(customer)?.reseller;

const nodeOf = (c: { customer?: string; reseller?: string }) =>
  c.customer === undefined || c.reseller === undefined
    ? SHARED
    : customerScope({ reseller: c.reseller, name: c.customer });

/** The node a grant names, when it is a node of the tree the control repository has. */
function scopeTarget(app: AppContext, scope: string): Target {
  const s = parseScope(scope);
  if ('code' in s) return undefined;
  const repo = app.controlRepo();
  if (s.reseller !== undefined && !repo.resellers.has(s.reseller)) return undefined;
  if (s.customer !== undefined && repo.customers.get(s.customer)?.reseller !== s.reseller) return undefined;
  return { node: s.path };
}

const NOT_VISIBLE = () => new DiagnosticsError([error('NOT_FOUND', 'not found')]);

function auditScopeOf(node: ScopePath): { scope: string; customer?: string } {
  const s = parseScope(node);
  if ('code' in s) return { scope: '' };
  return s.customer !== undefined
    ? { scope: `${s.reseller}/${s.customer}`, customer: s.customer }
    : { scope: s.reseller ?? '' };
}

const assignment = z.strictObject({
  user: z.string().min(1).max(128),
  role: z.enum(ROLE_NAMES as [Role, ...Role[]]),
  scope: z.string().min(1).max(200).describe("'/', '/r/<reseller>' or '/r/<reseller>/c/<customer>'"),
});

async function changeRole(
  env: ApiEnv,
  verb: 'grant' | 'revoke',
  a: { user: string; role: Role; scope: string },
): Promise<boolean> {
  const store = await env.app.store();
  const user = await findUser(store, a.user);
  // a user is answered only when the caller could see it anyway: it holds a role in its subtree
  if (!user) throw NOT_VISIBLE();
  const ctx = {
    store,
    actor: env.caller.actor,
    now: env.now,
    caller: { principal: env.caller.principal, grants: env.caller.grants },
  };
  const r = await (verb === 'grant' ? grantRole : revokeRole)(ctx, user, a.role, a.scope);
  if (r.value === undefined || hasErrors(r.diagnostics)) throw new DiagnosticsError(r.diagnostics);
  await appendAudit(store, {
    actor: env.caller.actor,
    at: env.now,
    action: `access.role.${verb}`,
    ...auditScopeOf(a.scope),
    detail: { user: a.user, role: a.role, scope: a.scope, changed: r.value },
    result: 'ok',
  });
  return r.value;
}

export const resourceRoutes = [
  listRoute({
    id: 'listPackages',
    method: 'GET',
    path: '/packages',
    summary: "The packages built from git tags: the provider's shared ones and the caller's customers' own",
    tag: 'packages',
    access: { kind: 'node', action: 'read', target: () => ({ anywhere: true }) },
    item: packageSchema,
    scopeOf: nodeOf,
    key: (p) => p.name,
    handle: (_input, env) =>
      Promise.resolve(
        [...env.app.controlRepo().packages.values()].map((p) => {
          const reseller = resellerOf(env.app, p.customer);
          return {
            name: p.name,
            ...(p.customer !== undefined ? { customer: p.customer } : {}),
            ...(reseller !== undefined ? { reseller } : {}),
            ...(p.description !== undefined ? { description: p.description } : {}),
            git: p.git.url,
            tagPattern: p.tagPattern,
            repositories: p.repositories,
          };
        }),
      ),
  }),
  listRoute({
    id: 'listBuilds',
    method: 'GET',
    path: '/packages/{package}/builds',
    summary: "The package's recorded builds: which git tag (commit) became which RPM",
    tag: 'packages',
    params: z.object({ package: nameParam }),
    access: {
      kind: 'node',
      action: 'read',
      target: ({ params }, app) => packageTarget(app, params.package),
    },
    item: buildSchema,
    scopeOf: () => SHARED,
    key: (b) => `${b.builtAt}|${b.tag}`,
    handle: async ({ params }, env) => {
      const { listBuilds } = await import('../../packaging/index.js');
      return listBuilds(await env.app.store(), params.package);
    },
  }),
  listRoute({
    id: 'listRepositories',
    method: 'GET',
    path: '/repositories',
    summary: "The package repositories: the provider's shared ones and the caller's customers' own",
    tag: 'packages',
    access: { kind: 'node', action: 'read', target: () => ({ anywhere: true }) },
    item: repositorySchema,
    scopeOf: nodeOf,
    key: (r) => r.name,
    handle: async (_input, env) =>
      (await (await env.app.repoService()).listRepositories()).map((r) => {
        const reseller = resellerOf(env.app, r.customer || undefined);
        return {
          name: r.name,
          ...(r.customer ? { customer: r.customer } : {}),
          ...(reseller !== undefined ? { reseller } : {}),
          latestVersion: r.latestVersion,
          packages: r.packages,
        };
      }),
  }),
  listRoute({
    id: 'listDistributions',
    method: 'GET',
    path: '/distributions',
    summary: "The distributions VMs install from (customer/environment) of the caller's customers",
    tag: 'packages',
    access: { kind: 'node', action: 'read', target: () => ({ anywhere: true }) },
    item: distributionSchema,
    scopeOf: (d) => customerScope({ reseller: d.reseller, name: d.customer }),
    key: (d) => d.basePath,
    handle: async (_input, env) =>
      (await (await env.app.repoService()).distributions()).flatMap((d) => {
        const reseller = resellerOf(env.app, d.customer);
        // a distribution of a customer the control repository no longer has: the provider's to clean up
        if (reseller === undefined) return [];
        return [
          {
            basePath: d.basePath,
            customer: d.customer,
            reseller,
            environment: d.environment,
            ...(d.snapshot !== null ? { snapshot: d.snapshot } : {}),
            updatedAt: d.updatedAt,
            versions: d.versions,
            packages: d.packages,
          },
        ];
      }),
  }),
  listRoute({
    id: 'listRoleAssignments',
    method: 'GET',
    path: '/role-assignments',
    summary: "The users' roles on the nodes where the caller manages access",
    tag: 'access',
    access: { kind: 'node', action: 'access.manage', target: () => ({ anywhere: true }) },
    item: roleAssignmentSchema,
    scopeOf: (a) => a.scope,
    key: (a) => `${a.scope}|${a.user}|${a.role}`,
    handle: async (_input, env) =>
      (await listPrincipals(await env.app.store()))
        .filter((p) => p.kind === 'user')
        .flatMap((p) => p.grants.map((g) => ({ user: p.name, role: g.role, scope: g.scope }))),
  }),
  oneRoute({
    id: 'grantRole',
    method: 'POST',
    path: '/role-assignments',
    summary:
      'Give a user a role on a node: only inside the caller’s subtree, never above its own roles (tokens never grant); audited',
    tag: 'access',
    body: assignment,
    access: {
      kind: 'node',
      action: 'access.manage',
      target: (input, app) => scopeTarget(app, (input as unknown as { body: { scope: string } }).body.scope),
    },
    response: roleAssignmentSchema.extend({
      changed: z.boolean().describe('false: the user held it already'),
    }),
    status: 201,
    handle: async ({ body }, env) => ({ ...body, changed: await changeRole(env, 'grant', body) }),
  }),
  oneRoute({
    id: 'revokeRole',
    method: 'DELETE',
    path: '/role-assignments',
    summary: 'Take a role on a node from a user, with the same limits as granting it; audited',
    tag: 'access',
    query: assignment,
    access: {
      kind: 'node',
      action: 'access.manage',
      target: ({ query }, app) => scopeTarget(app, query.scope),
    },
    handle: async ({ query }, env) => {
      await changeRole(env, 'revoke', query);
      return undefined;
    },
  }),
];
