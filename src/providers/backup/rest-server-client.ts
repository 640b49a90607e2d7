// restic's REST protocol (v2), spoken directly for what restic's CLI has no command for: whether
// a repository exists (GET of its config, which needs no repository password; not HEAD, which
// `rclone serve restic` answers from its directory cache for minutes after the files are gone)
// and removing one
// (DELETE of each object: only the full-access endpoint allows it, and the protocol has no
// "delete repository"; the server keeps the then empty directories).
import { z } from 'zod';
import { ProviderError } from '../provider-error.js';
import { createHttpTransport } from '../http-transport.js';
import type { HttpMethod, HttpTransport } from '../http-transport.js';

/** A customer's HTTP login; the password is a secret, sent only in the Authorization header. */
export interface RestLogin {
  user: string;
  password: string;
}

const V2 = 'application/vnd.x.restic.rest.v2';
/** Object types of a repository, in the order a removal deletes them (keys last: until then it still opens). */
const OBJECT_TYPES = ['snapshots', 'index', 'data', 'locks', 'keys'] as const;

export class RestServerClient {
  private readonly transport: HttpTransport;

  constructor(opts: { transport?: HttpTransport } = {}) {
    this.transport = opts.transport ?? createHttpTransport({ unavailableCode: 'BACKUP_UNAVAILABLE' });
  }

  /** Whether the repository at `repoUrl` (ending in `/`) has a config, i.e. exists. */
  async exists(repoUrl: string, login: RestLogin, signal?: AbortSignal): Promise<boolean> {
    const res = await this.call('GET', `${repoUrl}config`, login, signal, [404]);
    return res.status !== 404;
  }

  /** Deletes every object of the repository, its config last; a repository already gone is no error. */
  async remove(repoUrl: string, login: RestLogin, signal?: AbortSignal): Promise<void> {
    for (const type of OBJECT_TYPES) {
      const res = await this.call('GET', `${repoUrl}${type}/`, login, signal, [404], { Accept: V2 });
      if (res.status === 404) continue;
      const body = typeof res.body === 'string' ? safeJson(res.body) : res.body;
      const list = z.array(z.object({ name: z.string() })).safeParse(body ?? []);
      if (!list.success) {
        throw new ProviderError({
          code: 'BACKUP_FAILED',
          message: `the backup server listed ${type} of a repository in a form Aare does not understand`,
          request: `GET ${redact(repoUrl)}${type}/`,
        });
      }
      for (const o of list.data) {
        await this.call('DELETE', `${repoUrl}${type}/${encodeURIComponent(o.name)}`, login, signal, [404]);
      }
    }
    await this.call('DELETE', `${repoUrl}config`, login, signal, [404]);
  }

  private async call(
    method: HttpMethod,
    url: string,
    login: RestLogin,
    signal: AbortSignal | undefined,
    allowed: number[],
    headers: Record<string, string> = {},
  ) {
    const request = `${method} ${redact(url)}`;
    let res;
    try {
      res = await this.transport.request({
        method,
        url,
        headers: {
          Authorization: `Basic ${Buffer.from(`${login.user}:${login.password}`).toString('base64')}`,
          ...headers,
        },
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (err instanceof ProviderError) {
        throw new ProviderError({
          code: 'BACKUP_UNAVAILABLE',
          message: `the backup server did not answer ${request}: ${err.systemMessage}`,
          request,
          cause: err,
        });
      }
      throw err;
    }
    if ((res.status >= 200 && res.status < 300) || allowed.includes(res.status)) return res;
    const auth = res.status === 401 || res.status === 403;
    throw new ProviderError({
      code: auth ? 'BACKUP_AUTH' : 'BACKUP_FAILED',
      message: auth
        ? `the backup server refused the login ${login.user} (HTTP ${res.status}) for ${request}: is its htpasswd line installed (aare backup server-config)?`
        : `the backup server refused ${request}: HTTP ${res.status}`,
      status: res.status,
      request,
    });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A URL as it may be shown: without any credentials. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}
