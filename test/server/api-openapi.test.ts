// The OpenAPI 3.1 document at /api/v1/openapi.json (docs/api.md): served without a token,
// generated from the route table, one operation per route with its parameters, body, answer and
// Problem errors, and every reference resolving inside the document.
import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { apiRoutes } from '../../src/server/index.js';
import { apiHarness } from './api-harness.js';
import type { ApiHarness } from './api-harness.js';

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown>>; securitySchemes: Record<string, unknown> };
  security: unknown[];
}
interface Operation {
  operationId: string;
  parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  security?: unknown[];
}

let h: ApiHarness;
let doc: Doc;
let raw: string;

before(async () => {
  h = await apiHarness();
  const res = await h.server.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  raw = res.body;
  doc = JSON.parse(raw) as Doc;
});
after(async () => h?.close());

test('OpenAPI 3.1 with a bearer scheme for every operation but the document itself', () => {
  assert.equal(doc.openapi, '3.1.0');
  assert.deepEqual(doc.security, [{ bearer: [] }]);
  assert.deepEqual(doc.components.securitySchemes.bearer, {
    type: 'http',
    scheme: 'bearer',
    description: 'an API token: aare_…',
  });
  assert.deepEqual(doc.paths['/openapi.json']!.get!.security, []);
});

test('one operation per route of the table, with its path parameters, paging and idempotency key', () => {
  const operations = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
  assert.deepEqual(operations.sort(), [...apiRoutes.map((r) => r.id), 'getOpenApi'].sort());
  for (const r of apiRoutes) {
    const op = doc.paths[r.path]?.[r.method.toLowerCase()];
    assert.ok(op, `${r.method} ${r.path}`);
    const params = op.parameters ?? [];
    const inPath = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    assert.deepEqual(
      params.filter((p) => p.in === 'path').map((p) => p.name),
      inPath,
      `${r.id}: path parameters`,
    );
    if (r.list) {
      const size = params.find((p) => p.name === 'pageSize')!;
      assert.equal(size.in, 'query');
      assert.equal(size.required, false);
      assert.equal(size.schema.maximum, 500);
      assert.ok(params.some((p) => p.name === 'pageToken'));
    }
    assert.equal(
      params.some((p) => p.name === 'Idempotency-Key' && p.in === 'header'),
      r.method === 'POST',
      r.id,
    );
    assert.equal(op.requestBody !== undefined, r.body !== undefined, r.id);
    for (const status of ['400', '401', '403', '404'])
      assert.deepEqual(
        op.responses[status]!.content!['application/problem+json']!.schema,
        { $ref: '#/components/schemas/Problem' },
        `${r.id} ${status}`,
      );
    assert.ok(op.responses[String(r.status)], `${r.id}: its success answer`);
  }
});

test('every reference resolves; the Problem schema lists the codes', () => {
  const refs = [...raw.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(refs.length > 20);
  for (const ref of new Set(refs)) {
    const m = /^#\/components\/schemas\/(\w+)$/.exec(ref);
    assert.ok(m, `${ref} points into components.schemas`);
    assert.ok(doc.components.schemas[m[1]!], `${ref} exists`);
  }
  const problem = doc.components.schemas.Problem as {
    properties: { code: { enum: string[] } };
    required: string[];
  };
  for (const code of ['NOT_FOUND', 'ACCESS_DENIED', 'UNAUTHENTICATED', 'USAGE', 'CONFLICT'])
    assert.ok(problem.properties.code.enum.includes(code), code);
  assert.deepEqual([...problem.required].sort(), ['code', 'detail', 'status', 'title', 'type']);
  // the list of VMs is a page of VmSummary items
  const page = doc.components.schemas.ListVmsPage as { properties: { items: { items: unknown } } };
  assert.deepEqual(page.properties.items.items, { $ref: '#/components/schemas/VmSummary' });
  assert.ok(
    !raw.includes('"$schema"'),
    'component schemas are plain JSON Schema 2020-12 inside the document',
  );
});
