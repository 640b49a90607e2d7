// The OpenAPI document is good enough for tools (docs/api.md, OpenAPI): @readme/openapi-parser
// validates /api/v1/openapi.json as a running `aare serve` serves it, openapi-typescript generates
// types from it, and a client written against them with openapi-fetch type-checks (tsc --strict,
// and a wrong call does not) and lists a customer's VMs with a token.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { compileErrors, validate } from '@readme/openapi-parser';
import openapiTS, { astToString } from 'openapi-typescript';
import type { Grant } from '../../src/access/index.js';
import { apiHarness } from './api-harness.js';
import type { ApiHarness } from './api-harness.js';
import { startServe } from './serve-process.js';
import type { ServeProcess } from './serve-process.js';

const root = resolve(import.meta.dirname, '../..');
const MUSTER: Grant = { role: 'customer-reader', scope: '/r/alpine-it/c/muster-ag' };

let h: ApiHarness;
let srv: ServeProcess;
let doc: Record<string, unknown>;
let dir: string;

before(async () => {
  h = await apiHarness();
  srv = await startServe(join(h.dir, 'control'), [], { AARE_STATE_DIR: join(h.dir, 'state') });
  const res = await fetch(`${srv.url}/api/v1/openapi.json`);
  assert.equal(res.status, 200);
  doc = (await res.json()) as Record<string, unknown>;
  dir = mkdtempSync(join(tmpdir(), 'aare-api-client-'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
});
after(async () => {
  await srv?.stop();
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the document validates as OpenAPI 3.1', async () => {
  // validate() dereferences in place: it gets a copy
  const result = await validate(structuredClone(doc) as never);
  assert.ok(result.valid, result.valid ? '' : compileErrors(result));
  assert.equal(result.specification, 'OpenAPI');
});

const client = (body: string) => `import createClient from 'openapi-fetch';
import type { paths } from './schema.js';

const api = createClient<paths>({
  baseUrl: \`\${process.env.AARE_SERVER}/api/v1\`,
  headers: { authorization: \`Bearer \${process.env.AARE_TOKEN}\` },
});
${body}
`;

test('a generated client type-checks and lists VMs against aare serve', async () => {
  writeFileSync(join(dir, 'schema.d.ts'), astToString(await openapiTS(structuredClone(doc) as never)));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(
    join(dir, 'list-vms.ts'),
    client(`const { data, error, response } = await api.GET('/customers/{customer}/vms', {
  params: { path: { customer: 'muster-ag' }, query: { pageSize: 2 } },
});
if (error) throw new Error(\`\${response.status} \${error.code}: \${error.detail}\`);
const addresses: string[] = data.items.map((vm) => vm.address);
const next: string | undefined = data.nextPageToken;
const denied = await api.GET('/customers/{customer}', { params: { path: { customer: 'uhrwerk-sa' } } });
process.stdout.write(JSON.stringify({ addresses, next: next !== undefined, denied: denied.error?.code }));
`),
  );
  // the same call without its path parameter: the generated types must refuse it
  writeFileSync(
    join(dir, 'wrong.ts'),
    client(`await api.GET('/customers/{customer}/vms', { params: { path: {} } });\n`),
  );
  const tsc = (file: string) =>
    spawnSync(
      process.execPath,
      [
        join(root, 'node_modules/typescript/bin/tsc'),
        ...['--strict', '--noEmit', '--skipLibCheck', '--module', 'nodenext', '--target', 'es2022'],
        file,
      ],
      { cwd: dir, encoding: 'utf8' },
    );
  const good = tsc('list-vms.ts');
  assert.equal(good.status, 0, good.stdout + good.stderr);
  const wrong = tsc('wrong.ts');
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stdout, /wrong\.ts\(\d+,\d+\): error TS\d+: .*customer/s);

  const { token } = await h.principal('reader', [MUSTER]);
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'list-vms.ts'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, AARE_SERVER: srv.url, AARE_TOKEN: token },
  });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { addresses: string[]; next: boolean; denied: string };
  const vms = h.app
    .controlRepo()
    .vms.filter((v) => v.customer === 'muster-ag')
    .map((v) => v.address);
  assert.ok(vms.length > 2);
  assert.deepEqual(out, { addresses: vms.slice(0, 2), next: true, denied: 'NOT_FOUND' });
});
