import { z } from 'zod';
import { ProviderError } from '../provider-error.js';
import { OpenStackClient, createOnce } from './openstack-client.js';
import type { CallCtx } from './neutron-common.js';

export const domainSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullish(),
  enabled: z.boolean(),
  tags: z.array(z.string()).default([]),
});
export type Domain = z.infer<typeof domainSchema>;

export const projectSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullish(),
  domain_id: z.string(),
  enabled: z.boolean(),
  is_domain: z.boolean().optional(),
  parent_id: z.string().nullish(),
  tags: z.array(z.string()).default([]),
});
export type Project = z.infer<typeof projectSchema>;

export const roleSchema = z.object({ id: z.string(), name: z.string(), domain_id: z.string().nullish() });
export type Role = z.infer<typeof roleSchema>;

export const userSchema = z.object({
  id: z.string(),
  name: z.string(),
  domain_id: z.string(),
  enabled: z.boolean(),
  default_project_id: z.string().nullish(),
});
export type User = z.infer<typeof userSchema>;

const q = encodeURIComponent;

/** Keystone answers `null` or no description for an empty one. */
const sameDescription = (found: string | null | undefined, sent: string | undefined) =>
  (found ?? '') === (sent ?? '');

// ---------------------------------------------------------------- domains

/**
 * Domain names are unique in Keystone. After a lost connection the domain is looked up by name
 * and adopted when its description is the one sent (see `createOnce`); a domain of that name with
 * another description is someone else's, and the create then fails with Keystone's 409.
 */
export async function createDomain(
  client: OpenStackClient,
  input: { name: string; description?: string; tags?: string[]; enabled?: boolean },
  ctx: CallCtx = {},
): Promise<Domain> {
  return createOnce(
    async (retry) => {
      const res = await client.json('identity', 'POST', '/domains', z.object({ domain: domainSchema }), {
        body: { domain: { enabled: true, ...input } },
        what: `create domain ${input.name}`,
        ...ctx,
        ...retry,
      });
      return res.domain;
    },
    async () =>
      (await listDomains(client, { name: input.name }, ctx)).find(
        (d) => d.name === input.name && sameDescription(d.description, input.description),
      ),
  );
}

export async function getDomain(
  client: OpenStackClient,
  id: string,
  ctx: CallCtx = {},
): Promise<Domain | undefined> {
  const res = await client.getOrUndefined(
    'identity',
    `/domains/${q(id)}`,
    z.object({ domain: domainSchema }),
    {
      what: `read domain ${id}`,
      ...ctx,
    },
  );
  return res?.domain;
}

export async function listDomains(
  client: OpenStackClient,
  filter: { name?: string } = {},
  ctx: CallCtx = {},
): Promise<Domain[]> {
  return client.list('identity', '/domains', 'domains', domainSchema, {
    query: { name: filter.name },
    what: 'list domains',
    ...ctx,
  });
}

export async function updateDomain(
  client: OpenStackClient,
  id: string,
  patch: { description?: string; enabled?: boolean; tags?: string[]; name?: string },
  ctx: CallCtx = {},
): Promise<Domain> {
  const res = await client.json(
    'identity',
    'PATCH',
    `/domains/${q(id)}`,
    z.object({ domain: domainSchema }),
    {
      body: { domain: patch },
      idempotent: true,
      what: `update domain ${id}`,
      ...ctx,
    },
  );
  return res.domain;
}

/** Keystone deletes only disabled domains: this disables first. Idempotent. */
export async function deleteDomain(client: OpenStackClient, id: string, ctx: CallCtx = {}): Promise<boolean> {
  try {
    await updateDomain(client, id, { enabled: false }, ctx);
  } catch (err) {
    if (err instanceof ProviderError && err.status === 404) return false;
    throw err;
  }
  return client.deleteIfExists('identity', `/domains/${q(id)}`, { what: `delete domain ${id}`, ...ctx });
}

// ---------------------------------------------------------------- projects

/**
 * Project names are unique within a domain. After a lost connection the project is looked up by
 * name and domain and adopted when its description is the one sent (see `createOnce`).
 */
export async function createProject(
  client: OpenStackClient,
  input: { name: string; domainId: string; description?: string; tags?: string[]; enabled?: boolean },
  ctx: CallCtx = {},
): Promise<Project> {
  return createOnce(
    async (retry) => {
      const res = await client.json('identity', 'POST', '/projects', z.object({ project: projectSchema }), {
        body: {
          project: {
            name: input.name,
            domain_id: input.domainId,
            enabled: input.enabled ?? true,
            ...(input.description !== undefined ? { description: input.description } : {}),
            ...(input.tags ? { tags: input.tags } : {}),
          },
        },
        what: `create project ${input.name}`,
        ...ctx,
        ...retry,
      });
      return res.project;
    },
    async () =>
      (await listProjects(client, { name: input.name, domainId: input.domainId }, ctx)).find(
        (p) =>
          p.name === input.name &&
          p.domain_id === input.domainId &&
          sameDescription(p.description, input.description),
      ),
  );
}

export async function getProject(
  client: OpenStackClient,
  id: string,
  ctx: CallCtx = {},
): Promise<Project | undefined> {
  const res = await client.getOrUndefined(
    'identity',
    `/projects/${q(id)}`,
    z.object({ project: projectSchema }),
    {
      what: `read project ${id}`,
      ...ctx,
    },
  );
  return res?.project;
}

export async function listProjects(
  client: OpenStackClient,
  filter: { name?: string; domainId?: string; tags?: string[] } = {},
  ctx: CallCtx = {},
): Promise<Project[]> {
  return client.list('identity', '/projects', 'projects', projectSchema, {
    query: { name: filter.name, domain_id: filter.domainId, tags: filter.tags?.join(',') },
    what: 'list projects',
    ...ctx,
  });
}

export async function updateProject(
  client: OpenStackClient,
  id: string,
  patch: { description?: string; enabled?: boolean; tags?: string[]; name?: string },
  ctx: CallCtx = {},
): Promise<Project> {
  const res = await client.json(
    'identity',
    'PATCH',
    `/projects/${q(id)}`,
    z.object({ project: projectSchema }),
    {
      body: { project: patch },
      idempotent: true,
      what: `update project ${id}`,
      ...ctx,
    },
  );
  return res.project;
}

export async function deleteProject(
  client: OpenStackClient,
  id: string,
  ctx: CallCtx = {},
): Promise<boolean> {
  return client.deleteIfExists('identity', `/projects/${q(id)}`, { what: `delete project ${id}`, ...ctx });
}

// ---------------------------------------------------------------- users and roles

export async function listRoles(
  client: OpenStackClient,
  filter: { name?: string } = {},
  ctx: CallCtx = {},
): Promise<Role[]> {
  return client.list('identity', '/roles', 'roles', roleSchema, {
    query: { name: filter.name },
    what: 'list roles',
    ...ctx,
  });
}

export async function findRole(client: OpenStackClient, name: string, ctx: CallCtx = {}): Promise<Role> {
  const role = (await listRoles(client, { name }, ctx))[0];
  if (!role)
    throw new ProviderError({
      code: 'OPENSTACK_NOT_FOUND',
      status: 404,
      message: `Keystone has no role '${name}'`,
    });
  return role;
}

/** Not repeated after a lost connection: a user carries no mark of who created it. */
export async function createUser(
  client: OpenStackClient,
  input: { name: string; domainId: string; password: string; defaultProjectId?: string },
  ctx: CallCtx = {},
): Promise<User> {
  const res = await client.json('identity', 'POST', '/users', z.object({ user: userSchema }), {
    body: {
      user: {
        name: input.name,
        domain_id: input.domainId,
        password: input.password,
        enabled: true,
        ...(input.defaultProjectId ? { default_project_id: input.defaultProjectId } : {}),
      },
    },
    what: `create user ${input.name}`,
    ...ctx,
  });
  return res.user;
}

export async function deleteUser(client: OpenStackClient, id: string, ctx: CallCtx = {}): Promise<boolean> {
  return client.deleteIfExists('identity', `/users/${q(id)}`, { what: `delete user ${id}`, ...ctx });
}

/** Grants a role to a user on a project. Idempotent (PUT). */
export async function grantProjectRole(
  client: OpenStackClient,
  projectId: string,
  userId: string,
  roleId: string,
  ctx: CallCtx = {},
): Promise<void> {
  await client.call('identity', 'PUT', `/projects/${q(projectId)}/users/${q(userId)}/roles/${q(roleId)}`, {
    what: `grant role ${roleId} to user ${userId} on project ${projectId}`,
    ...ctx,
  });
}

export async function revokeProjectRole(
  client: OpenStackClient,
  projectId: string,
  userId: string,
  roleId: string,
  ctx: CallCtx = {},
): Promise<boolean> {
  return client.deleteIfExists(
    'identity',
    `/projects/${q(projectId)}/users/${q(userId)}/roles/${q(roleId)}`,
    {
      what: `revoke role ${roleId} from user ${userId} on project ${projectId}`,
      ...ctx,
    },
  );
}

/** Role names a user holds directly on a project. */
export async function listProjectRoles(
  client: OpenStackClient,
  projectId: string,
  userId: string,
  ctx: CallCtx = {},
): Promise<Role[]> {
  return client.list('identity', `/projects/${q(projectId)}/users/${q(userId)}/roles`, 'roles', roleSchema, {
    what: `list roles of user ${userId} on project ${projectId}`,
    ...ctx,
  });
}

/**
 * Gives the client's own user `roles` (default admin) on a project and returns a client scoped
 * to that project, sharing the transport. This is how the provider's admin acts in a customer's
 * project. Password auth only: an application credential is bound to its own project.
 */
export async function actInProject(
  client: OpenStackClient,
  projectId: string,
  opts: CallCtx & { roles?: string[] } = {},
): Promise<OpenStackClient> {
  const token = await client.session.token(opts.signal);
  for (const name of opts.roles ?? ['admin']) {
    const role = await findRole(client, name, opts);
    await grantProjectRole(client, projectId, token.userId, role.id, opts);
  }
  return scopedClient(client, projectId);
}

/** A new client on the same cloud and transport, scoped to another project (password auth). */
export function scopedClient(client: OpenStackClient, projectId: string): OpenStackClient {
  const cloud = client.cloud;
  if (cloud.auth.type !== 'password') {
    throw new ProviderError({
      code: 'OPENSTACK_FORBIDDEN',
      message: `cloud '${cloud.name}' uses an application credential, which cannot be rescoped to project ${projectId}`,
    });
  }
  const {
    projectName: _n,
    projectDomainId: _d,
    projectDomainName: _dn,
    domainId: _i,
    domainName: _in,
    ...auth
  } = cloud.auth;
  return new OpenStackClient({
    cloud: { ...cloud, auth: { ...auth, projectId } },
    transport: client.transport,
    computeMicroversion: client.computeMicroversion,
  });
}

// ---------------------------------------------------------------- application credentials

export const applicationCredentialSchema = z.object({
  id: z.string(),
  name: z.string(),
  project_id: z.string(),
  expires_at: z.string().nullish(),
  /** Only in the answer to the create call: Keystone keeps a hash. */
  secret: z.string().optional(),
});
export type ApplicationCredential = z.infer<typeof applicationCredentialSchema>;

/**
 * Creates an application credential for a user, bound to the project of the client's token.
 * The secret is in the answer only; store it at once. Not repeated after a lost connection: an
 * adopted credential would have no secret (delete it by name and create it again).
 */
export async function createApplicationCredential(
  client: OpenStackClient,
  userId: string,
  input: { name: string; description?: string; expiresAt?: string; roles?: string[] },
  ctx: CallCtx = {},
): Promise<ApplicationCredential & { secret: string }> {
  const res = await client.json(
    'identity',
    'POST',
    `/users/${q(userId)}/application_credentials`,
    z.object({ application_credential: applicationCredentialSchema.extend({ secret: z.string() }) }),
    {
      body: {
        application_credential: {
          name: input.name,
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.expiresAt ? { expires_at: input.expiresAt } : {}),
          ...(input.roles ? { roles: input.roles.map((name) => ({ name })) } : {}),
        },
      },
      what: `create application credential ${input.name}`,
      ...ctx,
    },
  );
  return res.application_credential;
}

export async function deleteApplicationCredential(
  client: OpenStackClient,
  userId: string,
  id: string,
  ctx: CallCtx = {},
): Promise<boolean> {
  return client.deleteIfExists('identity', `/users/${q(userId)}/application_credentials/${q(id)}`, {
    what: `delete application credential ${id}`,
    ...ctx,
  });
}
