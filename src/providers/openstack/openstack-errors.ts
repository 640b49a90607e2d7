import type { z } from 'zod';
import type { ErrorCode } from '../../diag/index.js';
import { ProviderError } from '../provider-error.js';
import type { HttpResponse } from '../http-transport.js';

export interface CallInfo {
  method: string;
  url: string;
  /** What the call was for, in words: `create server web1`. Defaults to the method and URL. */
  what?: string;
  address?: string;
}

/** Maps an HTTP status to the stable code. */
export function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'OPENSTACK_AUTH';
  if (status === 403) return 'OPENSTACK_FORBIDDEN';
  if (status === 404) return 'OPENSTACK_NOT_FOUND';
  if (status === 409 || status === 413) return 'OPENSTACK_CONFLICT';
  if (status === 400 || status === 422) return 'OPENSTACK_BAD_REQUEST';
  return 'OPENSTACK_UNAVAILABLE';
}

/**
 * The message OpenStack put in an error body. Each service has its own shape:
 * Keystone `{error:{message}}`, Nova `{itemNotFound:{message}}` (any key), Neutron
 * `{NeutronError:{message}}`, Glance a text body.
 */
export function openstackMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    const text = body
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    return text === '' ? undefined : text.slice(0, 500);
  }
  if (body === null || typeof body !== 'object') return undefined;
  const obj = body as Record<string, unknown>;
  if (typeof obj.message === 'string') return obj.message;
  if (typeof obj.error === 'string') return obj.error;
  for (const value of Object.values(obj)) {
    if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
      const v = value as { message: string; detail?: unknown };
      return typeof v.detail === 'string' && v.detail !== '' ? `${v.message} (${v.detail})` : v.message;
    }
  }
  return undefined;
}

export function errorFromResponse(res: HttpResponse, call: CallInfo): ProviderError {
  const systemMessage = openstackMessage(res.body) ?? `HTTP ${res.status}`;
  const requestId =
    res.headers.get('x-openstack-request-id') ?? res.headers.get('x-compute-request-id') ?? undefined;
  const what = call.what ?? `${call.method} ${call.url}`;
  return new ProviderError({
    code: codeForStatus(res.status),
    status: res.status,
    message: `${what}: OpenStack answered ${res.status}: ${systemMessage}`,
    systemMessage,
    request: `${call.method} ${call.url}`,
    ...(requestId ? { requestId } : {}),
    ...(call.address ? { address: call.address } : {}),
  });
}

/** Checks a response body against its schema; a mismatch is OPENSTACK_BAD_RESPONSE, not a crash. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, call: CallInfo): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue ? issue.path.map(String).join('.') : '';
  return badResponse(call, `${where ? `${where}: ` : ''}${issue?.message ?? 'unexpected shape'}`);
}

function badResponse(call: CallInfo, detail: string): never {
  throw new ProviderError({
    code: 'OPENSTACK_BAD_RESPONSE',
    message: `${call.what ?? `${call.method} ${call.url}`}: unexpected response body (${detail})`,
    request: `${call.method} ${call.url}`,
    ...(call.address ? { address: call.address } : {}),
  });
}
