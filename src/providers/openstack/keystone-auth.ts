import { z } from 'zod';
import { ProviderError } from '../provider-error.js';
import type { CloudAuth, CloudConfig, EndpointInterface } from './clouds-config.js';
import type { HttpTransport } from '../http-transport.js';
import { errorFromResponse, parseBody } from './openstack-errors.js';

const endpointSchema = z.object({
  id: z.string().optional(),
  interface: z.string(),
  region_id: z.string().nullish(),
  region: z.string().nullish(),
  url: z.string(),
});
const catalogEntrySchema = z.object({
  id: z.string().optional(),
  type: z.string(),
  name: z.string().optional(),
  endpoints: z.array(endpointSchema),
});
const tokenSchema = z.object({
  token: z.object({
    expires_at: z.string(),
    issued_at: z.string().optional(),
    methods: z.array(z.string()),
    user: z.object({
      id: z.string(),
      name: z.string(),
      domain: z.object({ id: z.string(), name: z.string() }).optional(),
    }),
    project: z
      .object({
        id: z.string(),
        name: z.string(),
        domain: z.object({ id: z.string(), name: z.string() }).optional(),
      })
      .optional(),
    domain: z.object({ id: z.string(), name: z.string() }).optional(),
    roles: z.array(z.object({ id: z.string(), name: z.string() })).optional(),
    catalog: z.array(catalogEntrySchema).optional(),
  }),
});

export type CatalogEntry = z.infer<typeof catalogEntrySchema>;

/** A token and what Keystone said about it. */
export interface KeystoneToken {
  id: string;
  expiresAt: Date;
  userId: string;
  userName: string;
  projectId?: string;
  projectName?: string;
  domainId?: string;
  roles: string[];
  catalog: CatalogEntry[];
}

export interface KeystoneSessionOptions {
  cloud: CloudConfig;
  transport: HttpTransport;
  /** Get a new token when the current one expires within this many ms. Default 5 minutes. */
  refreshBeforeMs?: number;
  now?: () => number;
}

/**
 * A Keystone v3 session: one token at a time, reused until shortly before it expires, then
 * replaced. Concurrent callers share one token request. Owns no sockets; safe to drop.
 */
export class KeystoneSession {
  readonly cloud: CloudConfig;
  private readonly transport: HttpTransport;
  private readonly refreshBeforeMs: number;
  private readonly now: () => number;
  private current: KeystoneToken | undefined;
  private pending: Promise<KeystoneToken> | undefined;
  /** Tokens obtained so far (for tests and benches). */
  tokensIssued = 0;

  constructor(opts: KeystoneSessionOptions) {
    this.cloud = opts.cloud;
    this.transport = opts.transport;
    this.refreshBeforeMs = opts.refreshBeforeMs ?? 5 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** A valid token: the cached one, or a new one when it is about to expire. */
  async token(signal?: AbortSignal): Promise<KeystoneToken> {
    const t = this.current;
    if (t && t.expiresAt.getTime() - this.now() > this.refreshBeforeMs) return t;
    this.pending ??= this.issue(signal).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forget the token (after a 401 from a service): the next call authenticates again. */
  invalidate(tokenId?: string): void {
    if (tokenId === undefined || this.current?.id === tokenId) this.current = undefined;
  }

  /**
   * The URL of a service from the token's catalog, by type (`compute`, `network`, `image`,
   * `identity`), the cloud's interface and region. Without a trailing slash.
   */
  async endpoint(serviceType: string, signal?: AbortSignal): Promise<string> {
    const token = await this.token(signal);
    return selectEndpoint(token.catalog, serviceType, this.cloud.interface, this.cloud.regionName);
  }

  private async issue(signal?: AbortSignal): Promise<KeystoneToken> {
    const url = `${this.cloud.authUrl}/auth/tokens`;
    const res = await this.transport.request({
      method: 'POST',
      url,
      body: authBody(this.cloud.auth),
      // the server cannot have created anything we would duplicate: a token is harmless
      idempotent: true,
      ...(signal ? { signal } : {}),
    });
    if (res.status !== 201 && res.status !== 200) {
      throw errorFromResponse(res, {
        method: 'POST',
        url,
        what: `authenticate to ${this.cloud.authUrl} as cloud '${this.cloud.name}'`,
      });
    }
    const id = res.headers.get('x-subject-token');
    if (!id) {
      throw new ProviderError({
        code: 'OPENSTACK_BAD_RESPONSE',
        message: `Keystone at ${url} answered without an X-Subject-Token header`,
        request: `POST ${url}`,
      });
    }
    const body = parseBody(tokenSchema, res.body, { method: 'POST', url });
    const t = body.token;
    const token: KeystoneToken = {
      id,
      expiresAt: new Date(t.expires_at),
      userId: t.user.id,
      userName: t.user.name,
      ...(t.project ? { projectId: t.project.id, projectName: t.project.name } : {}),
      ...(t.domain ? { domainId: t.domain.id } : {}),
      roles: (t.roles ?? []).map((r) => r.name),
      catalog: t.catalog ?? [],
    };
    this.current = token;
    this.tokensIssued++;
    return token;
  }
}

/** Picks an endpoint: service type, then interface, then region (when the cloud names one). */
export function selectEndpoint(
  catalog: readonly CatalogEntry[],
  serviceType: string,
  iface: EndpointInterface,
  region?: string,
): string {
  const entries = catalog.filter((e) => e.type === serviceType);
  const candidates = entries.flatMap((e) => e.endpoints).filter((ep) => ep.interface === iface);
  const inRegion = region ? candidates.filter((ep) => (ep.region_id ?? ep.region) === region) : candidates;
  const chosen = inRegion[0];
  if (!chosen) {
    const have = [...new Set(catalog.map((e) => e.type))].sort().join(', ');
    const where = `interface ${iface}${region ? `, region ${region}` : ''}`;
    throw new ProviderError({
      code: 'OPENSTACK_NOT_FOUND',
      message:
        entries.length === 0
          ? `the service catalog has no '${serviceType}' service (it has: ${have || 'nothing'})`
          : `the '${serviceType}' service has no endpoint for ${where}`,
    });
  }
  return chosen.url.replace(/\/+$/, '');
}

function authBody(auth: CloudAuth): unknown {
  const user = (a: { username?: string; userId?: string; userDomainName?: string; userDomainId?: string }) =>
    a.userId
      ? { id: a.userId }
      : { name: a.username, domain: a.userDomainId ? { id: a.userDomainId } : { name: a.userDomainName } };
  switch (auth.type) {
    case 'password': {
      const scope = auth.projectId
        ? { project: { id: auth.projectId } }
        : auth.projectName
          ? {
              project: {
                name: auth.projectName,
                domain: auth.projectDomainId
                  ? { id: auth.projectDomainId }
                  : { name: auth.projectDomainName },
              },
            }
          : auth.domainId
            ? { domain: { id: auth.domainId } }
            : auth.domainName
              ? { domain: { name: auth.domainName } }
              : undefined;
      return {
        auth: {
          identity: { methods: ['password'], password: { user: { ...user(auth), password: auth.password } } },
          ...(scope ? { scope } : {}),
        },
      };
    }
    case 'application_credential':
      return {
        auth: {
          identity: {
            methods: ['application_credential'],
            application_credential: auth.id
              ? { id: auth.id, secret: auth.secret }
              : { name: auth.name, secret: auth.secret, user: user(auth) },
          },
        },
      };
  }
}
