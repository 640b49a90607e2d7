// What a route of the API declares (docs/api.md): its method and path, the access action it needs
// and how to find the node of the tenant tree it acts on, and the zod schemas of its params, query,
// body and answer. One generic handler (api-handler.ts) authenticates, validates, decides with the
// one authorization function, pages lists and answers; the OpenAPI document is generated from the
// same declarations (api-openapi.ts), and the access matrix test walks them.
import type { z } from 'zod';
import type { Action, Grant, Principal, ScopePath } from '../../access/index.js';
import type { AppContext } from '../../app/index.js';

export type Method = 'GET' | 'POST' | 'DELETE';

/** The authenticated principal of a request. */
export interface Caller {
  principal: Principal;
  /** Its effective grants (a token's: only those its owner still holds). */
  grants: Grant[];
  /** The audit log's name for it: `token:<id>` or `user:<name>`. */
  actor: string;
  /** The token's id when the caller is a token. */
  tokenId?: string;
}

/**
 * What a route acts on. `{ node }`: that node of the tree; `{ anywhere: true }`: something every
 * principal allowed the action on some node may see (a release is the provider's, for everyone);
 * undefined: nothing by that name, answered exactly as a thing outside the caller's tree (404).
 */
export type Target = { node: ScopePath } | { anywhere: true } | undefined;

/** The validated request. */
export interface ApiInput<P = unknown, Q = unknown, B = unknown> {
  params: P;
  query: Q;
  body: B;
  /** The request's path, as the client sent it (for the idempotency record). */
  url: string;
  /** The `Last-Event-ID` header of an event stream's request. */
  lastEventId?: string;
  /** Aborted when the client goes away (an event stream stops following). */
  signal?: AbortSignal;
}

export type Access<P, Q> =
  /**
   * Decided by `decide(grants, action, target)`. With several actions, any of them allows
   * (deciding a release directly or on behalf of its customer).
   */
  | {
      kind: 'node';
      action: Action | readonly Action[];
      /** A job's node is read from the store: the target may be found asynchronously. */
      target: (input: ApiInput<P, Q>, app: AppContext) => Target | Promise<Target>;
    }
  /**
   * The caller's own tokens: any authenticated principal, and a user also with its password
   * (HTTP Basic, on these routes only). What it may put into a token is checked by src/access.
   */
  | { kind: 'self' };

/** What a handler works with. */
export interface ApiEnv {
  app: AppContext;
  caller: Caller;
  /** The request's instant, from the one clock. */
  now: Date;
  /** The one authorization function with the caller's grants. */
  allows(action: Action, node: ScopePath): boolean;
  /**
   * For a list: whether a thing at `scope` is within the nodes where the route's action is allowed
   * (`allowedScopes` + `inScopes`); `SHARED` things are visible to everyone who passed the route.
   */
  visible(scope: ScopePath | typeof SHARED): boolean;
}

/** A thing in a list that belongs to no tenant (a release, the provider's freeze dates). */
export const SHARED = Symbol('shared');

/** A route as the handler, the OpenAPI generator and the access matrix test see it. */
export interface ApiRoute {
  /** The OpenAPI operationId; the access matrix test keys its rules by it. */
  id: string;
  method: Method;
  /** Below /api/v1, OpenAPI style: `/customers/{customer}`. */
  path: string;
  summary: string;
  tag: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodObject;
  /** The answer (of a list: one item); none for 204. */
  response?: z.ZodType;
  status: 200 | 201 | 202 | 204;
  access: Access<unknown, unknown>;
  /** A job (202): the `Location` of the answer (`/api/v1/jobs/{id}`). */
  location?(body: unknown): string;
  /**
   * An event stream (`text/event-stream`): `handle` answers an async iterable of SSE frames; the
   * request's `Last-Event-ID` header is in the input's `lastEventId`.
   */
  events?: true;
  /** A list: every item is kept only when visible, ordered by key and paged. */
  list?: { scopeOf(item: unknown): ScopePath | typeof SHARED; key(item: unknown): string };
  /** What an idempotent replay answers instead of the body first sent (a secret is shown once). */
  replayed?(body: unknown): unknown;
  handle(input: ApiInput, env: ApiEnv): Promise<unknown>;
}

type Out<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

interface RouteCommon<P, Q, B> {
  id: string;
  method: Method;
  path: string;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  access: Access<Out<P>, Out<Q>>;
}

/** A route answering one thing (or nothing: 204). */
export function oneRoute<
  P extends z.ZodObject | undefined,
  Q extends z.ZodObject | undefined,
  B extends z.ZodObject | undefined,
  R extends z.ZodType,
>(
  def: RouteCommon<P, Q, B> & {
    response?: R;
    status?: 200 | 201 | 202 | 204;
    location?(body: z.input<R>): string;
    events?: true;
    replayed?(body: z.input<R>): z.input<R>;
    handle(input: ApiInput<Out<P>, Out<Q>, Out<B>>, env: ApiEnv): Promise<z.input<R> | undefined>;
  },
): ApiRoute {
  return { status: def.response ? 200 : 204, ...def } as unknown as ApiRoute;
}

/** A route answering a page of a list. */
export function listRoute<
  P extends z.ZodObject | undefined,
  Q extends z.ZodObject | undefined,
  I extends z.ZodType,
>(
  def: RouteCommon<P, Q, undefined> & {
    item: I;
    scopeOf(item: z.input<I>): ScopePath | typeof SHARED;
    key(item: z.input<I>): string;
    handle(input: ApiInput<Out<P>, Out<Q>>, env: ApiEnv): Promise<z.input<I>[]>;
  },
): ApiRoute {
  const { item, scopeOf, key, ...rest } = def;
  return { ...rest, status: 200, response: item, list: { scopeOf, key } } as unknown as ApiRoute;
}
