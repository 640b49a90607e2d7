// The one handler every API route runs through (docs/api.md), in this order: authenticate (401,
// one answer for every reason), validate params, query and body (400 naming each field), decide
// with the one authorization function (404 outside the caller's tree, exactly as for a thing that
// does not exist; 403 inside), claim the idempotency key of a POST, act, and answer; a list keeps
// only what the same grants allow (allowedScopes + inScopes) and is paged. Every 404 the API gives
// is the same body, so that no answer tells whether another tenant's thing exists.
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { allowedScopes, decide, inScopes } from '../../access/index.js';
import type { Action, ScopePath } from '../../access/index.js';
import type { AppContext } from '../../app/index.js';
import { DiagnosticsError, error } from '../../diag/index.js';
import type { Diagnostic } from '../../diag/index.js';
import { PROBLEM_TYPE, problem, problemOf, problemOfError } from '../http-problem.js';
import type { Problem } from '../http-problem.js';
import { sessionCaller } from '../session/index.js';
import { authenticate } from './api-auth.js';
import { claimKey, IDEMPOTENCY_KEY, releaseKey, requestHash, storeAnswer } from './api-idempotency.js';
import { afterKeyOf, pageOf } from './api-paging.js';
import type { ApiEnv, ApiInput, ApiRoute, Caller } from './api-route.js';
import { SHARED } from './api-route.js';
import { pageQuery } from './api-schemas.js';

export const NOT_VISIBLE: Problem = problem('NOT_FOUND', 'not found');
const UNAUTHENTICATED = problem('UNAUTHENTICATED', 'a valid bearer token is required (docs/api.md)');

const CSRF_MISSING = problem(
  'CSRF_REFUSED',
  "a write with the portal's session needs its CSRF token in the X-CSRF-Token header (docs/portal.md)",
);

const callers = new WeakMap<FastifyRequest, Caller>();

function send(reply: FastifyReply, p: Problem, headers: Record<string, string> = {}): FastifyReply {
  // a 404 never carries more than the one body, whatever refused the request
  const body = p.status === 404 ? NOT_VISIBLE : p;
  return reply.code(body.status).headers(headers).type(PROBLEM_TYPE).send(body);
}

/** The onRequest step: authenticates before a body is read, so that strangers get 401 only. */
export function authenticateStep(route: ApiRoute, app: AppContext) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // without an Authorization header, the portal's session cookie (+ its CSRF token on writes)
    const session = req.headers.authorization === undefined ? await sessionCaller(app, req) : undefined;
    if (session === 'csrf') {
      await send(reply, CSRF_MISSING);
      return;
    }
    const caller =
      session?.caller ??
      (await authenticate(await app.store(), req.headers.authorization, app.config.now(), {
        password: route.access.kind === 'self',
      }));
    if (!caller) {
      await send(reply, UNAUTHENTICATED, { 'www-authenticate': 'Bearer realm="aare"' });
      return;
    }
    callers.set(req, caller);
  };
}

function fieldErrors(part: string, err: z.ZodError): Diagnostic[] {
  return err.issues.map((i) => error('USAGE', i.message, { field: [part, ...i.path.map(String)].join('.') }));
}

function validate(route: ApiRoute, req: FastifyRequest): ApiInput | Diagnostic[] {
  const errors: Diagnostic[] = [];
  const parse = (part: string, schema: z.ZodObject | undefined, value: unknown): unknown => {
    if (!schema) return {};
    const r = schema.safeParse(value ?? {});
    if (r.success) return r.data;
    errors.push(...fieldErrors(part, r.error));
    return undefined;
  };
  const query = route.list ? (route.query ?? z.object({})).extend(pageQuery.shape) : route.query;
  const input = {
    params: parse('params', route.params, req.params),
    query: parse('query', query, req.query),
    body: parse('body', route.body, req.body),
    url: req.url,
  };
  const token = route.list ? (req.query as { pageToken?: unknown } | undefined)?.pageToken : undefined;
  if (typeof token === 'string') {
    const after = afterKeyOf(token);
    if (typeof after !== 'string') errors.push(after);
  }
  return errors.length ? errors : input;
}

type Verdict =
  { allowed: true; action: Action | undefined } | { allowed: false; status: 403 | 404; action?: Action };

async function authorize(
  route: ApiRoute,
  input: ApiInput,
  caller: Caller,
  app: AppContext,
): Promise<Verdict> {
  const access = route.access;
  if (access.kind === 'self') return { allowed: true, action: undefined };
  const actions = typeof access.action === 'string' ? [access.action] : [...access.action];
  const target = await access.target(input, app);
  if (!target) return { allowed: false, status: 404 };
  let status: 403 | 404 = 404;
  for (const action of actions) {
    if ('anywhere' in target) {
      if (allowedScopes(caller.grants, action).length > 0) return { allowed: true, action: actions[0] };
      if (caller.grants.length > 0) status = 403;
      continue;
    }
    const d = decide(caller.grants, action, target.node);
    if (d.allowed) return { allowed: true, action: actions[0] };
    if (d.status === 403) status = 403;
  }
  return { allowed: false, status, action: actions[0] };
}

function envOf(app: AppContext, caller: Caller, now: Date, action: Action | undefined): ApiEnv {
  const scopes = action ? allowedScopes(caller.grants, action) : [];
  return {
    app,
    caller,
    now,
    allows: (a: Action, node: ScopePath) => decide(caller.grants, a, node).allowed,
    visible: (scope) =>
      action === undefined ? true : scope === SHARED ? scopes.length > 0 : inScopes(scope, scopes),
  };
}

/** The handler of one route (after `authenticateStep`). */
export function handlerOf(route: ApiRoute, app: AppContext) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const caller = callers.get(req);
    if (!caller) return send(reply, UNAUTHENTICATED, { 'www-authenticate': 'Bearer realm="aare"' });
    const input = validate(route, req);
    if (Array.isArray(input)) return send(reply, problemOf(input));
    if (route.events) {
      const last = req.headers['last-event-id'];
      if (typeof last === 'string') input.lastEventId = last;
      const ac = new AbortController();
      req.raw.once('close', () => ac.abort());
      input.signal = ac.signal;
    }
    const verdict = await authorize(route, input, caller, app);
    if (!verdict.allowed)
      return send(
        reply,
        verdict.status === 404
          ? NOT_VISIBLE
          : problem('ACCESS_DENIED', `this principal may not ${verdict.action ?? 'do this'} here`),
      );
    const now = app.config.now();
    const env = envOf(app, caller, now, verdict.action);
    if (route.method !== 'POST') return answer(route, input, env, reply);
    const key = req.headers['idempotency-key'];
    if (key === undefined) return answer(route, input, env, reply);
    if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))
      return send(
        reply,
        problem('USAGE', 'Idempotency-Key must be 1 to 255 visible ASCII characters', {
          errors: [error('USAGE', 'not a valid key', { field: 'header.Idempotency-Key' })],
        }),
      );
    const store = await app.store();
    const claim = await claimKey(
      store,
      caller.principal.id,
      key,
      requestHash('POST', req.url, input.body),
      now,
    );
    switch (claim.kind) {
      case 'replay':
        if (route.location) reply.header('location', route.location(claim.body));
        return reply.code(claim.status).header('idempotent-replayed', 'true').send(claim.body);
      case 'busy':
        return send(reply, problem('CONFLICT', 'a request with this Idempotency-Key is still running'));
      case 'other-request':
        return send(reply, problem('CONFLICT', 'this Idempotency-Key was used for another request'));
      case 'claimed':
        break;
    }
    try {
      const out = await act(route, input, env);
      await storeAnswer(
        store,
        caller.principal.id,
        key,
        route.status,
        route.replayed ? route.replayed(out) : out,
      );
      return sendOut(route, reply, out);
    } catch (err) {
      await releaseKey(store, caller.principal.id, key);
      return failed(reply, err);
    }
  };
}

async function answer(
  route: ApiRoute,
  input: ApiInput,
  env: ApiEnv,
  reply: FastifyReply,
): Promise<FastifyReply> {
  try {
    const out = await act(route, input, env);
    return out === undefined ? reply.code(204).send() : sendOut(route, reply, out);
  } catch (err) {
    return failed(reply, err);
  }
}

function sendOut(route: ApiRoute, reply: FastifyReply, out: unknown): FastifyReply {
  if (route.events)
    return reply
      .code(200)
      .headers({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' })
      .send(Readable.from(out as AsyncIterable<string>));
  if (route.location) reply.header('location', route.location(out));
  return reply.code(route.status).send(out);
}

function failed(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof DiagnosticsError) return send(reply, problemOf(err.diagnostics));
  const p = problemOfError(err);
  if (p.code === 'INTERNAL') reply.log.error(err);
  return send(reply, p);
}

async function act(route: ApiRoute, input: ApiInput, env: ApiEnv): Promise<unknown> {
  const out = await route.handle(input, env);
  if (!route.list) return out;
  const { pageSize, pageToken } = input.query as { pageSize?: number; pageToken?: string };
  // checked in validate()
  const after = pageToken === undefined ? undefined : (afterKeyOf(pageToken) as string);
  const list = route.list;
  const visible = (out as unknown[]).filter((item) => env.visible(list.scopeOf(item)));
  return pageOf(visible, list.key, {
    ...(pageSize !== undefined ? { pageSize } : {}),
    ...(after !== undefined ? { after } : {}),
  });
}
