// The OpenAPI 3.1 document of /api/v1 (docs/api.md), generated from the route table's zod schemas
// with zod's own JSON Schema output: what validates a request is what the document says. Named
// schemas are components; every error answer is a Problem (RFC 9457).
import { z } from 'zod';
import type { ApiRoute } from './api-route.js';
import { namedSchemas, pageQuery, pageSchema } from './api-schemas.js';

type Json = Record<string, unknown>;

const REF = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const upper = (id: string) => id[0]!.toUpperCase() + id.slice(1);

function plain(schema: Json): Json {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

function parameterSchema(schema: z.ZodType): Json {
  return plain(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json);
}

function parametersOf(where: 'path' | 'query', obj: z.ZodObject | undefined): Json[] {
  if (!obj) return [];
  return Object.entries(obj.shape).map(([name, s]) => {
    const schema = s as z.ZodType;
    const json = parameterSchema(schema);
    const { description, ...rest } = json;
    return {
      name,
      in: where,
      required: where === 'path' || !schema.safeParse(undefined).success,
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: REF('Problem') } },
});

export function openApiDocument(routes: readonly ApiRoute[], info: { version: string }): Json {
  const registry = z.registry<{ id: string; description?: string }>();
  for (const [id, { schema, description }] of namedSchemas)
    registry.add(schema, { id, ...(description ? { description } : {}) });
  const bodyId = (r: ApiRoute) => `${upper(r.id)}Request`;
  const answerId = (r: ApiRoute) => (r.list ? `${upper(r.id)}Page` : `${upper(r.id)}Response`);
  for (const r of routes) {
    if (r.body) registry.add(r.body, { id: bodyId(r) });
    if (r.list && r.response) registry.add(pageSchema(r.response), { id: answerId(r) });
    else if (r.response && !registry.has(r.response)) registry.add(r.response, { id: answerId(r) });
  }
  const generated = z.toJSONSchema(registry, {
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: 'any',
  }) as { schemas: Record<string, Json> };
  const schemas = Object.fromEntries(Object.entries(generated.schemas).map(([k, v]) => [k, plain(v)]));

  const paths: Record<string, Record<string, Json>> = {
    '/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document',
        tags: ['meta'],
        security: [],
        responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: {} } } } },
      },
    },
  };
  for (const r of routes) {
    const query = r.list ? (r.query ?? z.object({})).extend(pageQuery.shape) : r.query;
    const parameters = [...parametersOf('path', r.params), ...parametersOf('query', query)];
    if (r.method === 'POST')
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'the same key from the same principal gets the first answer again (for a day)',
        schema: { type: 'string', minLength: 1, maxLength: 255 },
      });
    const answerSchema = r.list || r.response === undefined ? undefined : registry.get(r.response)?.id;
    const success =
      r.status === 204
        ? { description: 'done' }
        : r.events
          ? {
              description:
                'Server-Sent Events: `id` numbers the events, `Last-Event-ID` resumes after one; the stream ends after the job ends',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            }
          : {
              ...(r.location
                ? {
                    headers: {
                      Location: { description: 'the job: /api/v1/jobs/{id}', schema: { type: 'string' } },
                    },
                  }
                : {}),
              description: r.list ? 'one page' : 'the answer',
              content: {
                'application/json': { schema: REF(r.list ? answerId(r) : (answerSchema ?? answerId(r))) },
              },
            };
    const responses: Json = {
      [String(r.status)]: success,
      '400': problem('the request is malformed: `errors` names each field'),
      '401': problem('no valid credentials'),
      '403': problem('the caller may see this but not do it'),
      '404': problem('no such thing, or not in the caller’s part of the tree (the same answer)'),
      ...(r.method === 'POST'
        ? { '409': problem('the Idempotency-Key is in use or was used for another request') }
        : {}),
      '500': problem('a bug: nothing about it is told'),
    };
    (paths[r.path] ??= {})[r.method.toLowerCase()] = {
      operationId: r.id,
      summary: r.summary,
      tags: [r.tag],
      ...(r.access.kind === 'self' ? { security: [{ bearer: [] }, { password: [] }] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: REF(bodyId(r)) } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Aare API',
      version: info.version,
      description:
        'The control plane of a managed private cloud: tenants, VMs, releases, audit (docs/api.md).',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }],
    tags: [...new Set(routes.map((r) => r.tag)), 'meta'].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an API token: aare_…' },
        password: {
          type: 'http',
          scheme: 'basic',
          description: "a user's local password: only on the routes of its own tokens",
        },
      },
    },
  };
}
