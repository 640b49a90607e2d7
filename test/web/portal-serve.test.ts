// `aare serve` as a user runs it, with the portal (docs/portal.md), over plain HTTP without a
// browser: the page and its bundle with their security headers, a password login that sets the
// session cookie, the API with that cookie, a write without the CSRF token refused before
// anything happens and the same write with it decided by the API's own rules; the OIDC flags
// checked before the server starts.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { apiHarness, NOW, RELEASE } from '../server/api-harness.js';
import type { ApiHarness } from '../server/api-harness.js';
import { startServe } from '../server/serve-process.js';
import type { ServeProcess } from '../server/serve-process.js';
import { aareAt } from '../release/release-helpers.js';

const NODE = '/r/alpine-it/c/muster-ag';
let h: ApiHarness;
let serve: ServeProcess;

before(async () => {
  h = await apiHarness();
  await h.principal('rolf', [{ role: 'customer-reader', scope: NODE }], { password: 'rolf-reads-only-42' });
  serve = await startServe(join(h.dir, 'control'), [], {
    AARE_STATE_DIR: join(h.dir, 'state'),
    AARE_NOW: NOW,
  });
});

after(async () => {
  await serve?.stop();
  await h?.close();
});

test('the page and its bundle, with a Content-Security-Policy', async () => {
  const page = await fetch(`${serve.url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.match(await page.text(), /<script type="module" src="\/web\/portal\.js">/);
  const js = await fetch(`${serve.url}/web/portal.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
  assert.equal((await fetch(`${serve.url}/web/..%2Fstate.db`)).status, 404);
  assert.deepEqual(await (await fetch(`${serve.url}/auth/config`)).json(), { password: true, oidc: false });
});

test('a password login, the API with its cookie, and CSRF on writes', async () => {
  const wrong = await fetch(`${serve.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'rolf', password: 'wrong' }),
  });
  assert.equal(wrong.status, 401);
  assert.equal(((await wrong.json()) as { code: string }).code, 'LOGIN_FAILED');
  assert.equal(wrong.headers.get('set-cookie'), null);

  const login = await fetch(`${serve.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'rolf', password: 'rolf-reads-only-42' }),
  });
  assert.equal(login.status, 200);
  const setCookie = login.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /^aare_session=[\w-]+; Path=\/; Max-Age=43200; HttpOnly; Secure; SameSite=Lax$/);
  const cookie = setCookie.split(';')[0]!;
  const { csrfToken } = (await login.json()) as { csrfToken: string };

  const session = (await (await fetch(`${serve.url}/auth/session`, { headers: { cookie } })).json()) as {
    user: string;
    grants: { role: string; actions: string[] }[];
  };
  assert.equal(session.user, 'rolf');
  assert.deepEqual(session.grants[0]!.actions.includes('release.decide'), false);

  const vms = await fetch(`${serve.url}/api/v1/customers/muster-ag/vms`, { headers: { cookie } });
  assert.equal(vms.status, 200);
  assert.equal(
    (await fetch(`${serve.url}/api/v1/customers/uhrwerk-sa/vms`, { headers: { cookie } })).status,
    404,
  );

  const decision = `${serve.url}/api/v1/releases/${RELEASE}/customers/muster-ag/decision`;
  const body = JSON.stringify({ decision: 'accepted' });
  const headers = { cookie, 'content-type': 'application/json' };
  const forged = await fetch(decision, { method: 'POST', headers, body });
  assert.equal(forged.status, 403);
  assert.equal(((await forged.json()) as { code: string }).code, 'CSRF_REFUSED');
  const wrongToken = await fetch(decision, {
    method: 'POST',
    headers: { ...headers, 'x-csrf-token': 'x' },
    body,
  });
  assert.equal(((await wrongToken.json()) as { code: string }).code, 'CSRF_REFUSED');
  // with the token, the API decides: a reader may not decide
  const withToken = await fetch(decision, {
    method: 'POST',
    headers: { ...headers, 'x-csrf-token': csrfToken },
    body,
  });
  assert.equal(withToken.status, 403);
  assert.equal(((await withToken.json()) as { code: string }).code, 'ACCESS_DENIED');
  assert.deepEqual(await h.store.db.selectFrom('release_decisions').selectAll().execute(), []);

  const out = await fetch(`${serve.url}/auth/logout`, {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': csrfToken },
  });
  assert.equal(out.status, 204);
  assert.equal(
    (await fetch(`${serve.url}/api/v1/customers/muster-ag/vms`, { headers: { cookie } })).status,
    401,
  );
});

test('OIDC flags are checked before the server starts', () => {
  const aare = aareAt(join(h.dir, 'control'), join(h.dir, 'state'), undefined, {
    AARE_OIDC_CLIENT_SECRET: '',
  });
  const half = aare(NOW, 'serve', '--oidc-issuer', 'https://login.example.ch');
  assert.equal(half.status, 2);
  assert.match(half.stderr, /--oidc-issuer and --oidc-client-id go together/);
  const plain = aare(NOW, 'serve', '--oidc-issuer', 'http://login.example.ch', '--oidc-client-id', 'x');
  assert.equal(plain.status, 2);
  assert.match(plain.stderr, /must be https/);
  const noSecret = aare(NOW, 'serve', '--oidc-issuer', 'https://login.example.ch', '--oidc-client-id', 'x');
  assert.equal(noSecret.status, 2);
  assert.match(noSecret.stderr, /client secret/);
  assert.doesNotMatch(`${half.stderr}${plain.stderr}${noSecret.stderr}`, /\n\s+at /);
});

test("aare.yaml's portal.oidc: used, overridden by the flags, and bad values named at their place", async (t) => {
  const file = join(h.dir, 'control', 'aare.yaml');
  const original = readFileSync(file, 'utf8');
  t.after(() => writeFileSync(file, original));
  const withOidc = (issuer: string, secret: string) =>
    writeFileSync(
      file,
      `${original}portal:\n  oidc:\n    issuer: ${issuer}\n    clientId: aare-portal\n    clientSecret: ${secret}\n    claim: email\n`,
    );
  const line = original.split('\n').length + 1;
  const aare = aareAt(join(h.dir, 'control'), join(h.dir, 'state'), undefined, {
    AARE_OIDC_CLIENT_SECRET: '',
    PORTAL_OIDC_SECRET: '',
  });
  const refused = (issuer: string, secret: string, where: RegExp, why: RegExp) => {
    withOidc(issuer, secret);
    const r = aare(NOW, 'serve');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, where);
    assert.match(r.stderr, why);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  };
  refused('https://login.example.ch', 'hunter2', new RegExp(`aare\\.yaml:${line + 3}:\\d+`), /by reference/);
  refused(
    'http://login.example.ch',
    'env:PORTAL_OIDC_SECRET',
    new RegExp(`aare\\.yaml:${line + 1}:\\d+`),
    /must be https/,
  );
  refused(
    'https://login.example.ch',
    'env:PORTAL_OIDC_SECRET',
    new RegExp(`aare\\.yaml:${line + 3}:\\d+`),
    /PORTAL_OIDC_SECRET is not set/,
  );

  const oidcOf = async (args: string[]) => {
    const s = await startServe(join(h.dir, 'control'), args, {
      AARE_STATE_DIR: join(h.dir, 'state'),
      AARE_NOW: NOW,
      AARE_OIDC_CLIENT_SECRET: '',
      PORTAL_OIDC_SECRET: 'from-the-environment',
    });
    try {
      return ((await (await fetch(`${s.url}/auth/config`)).json()) as { oidc: boolean }).oidc;
    } finally {
      await s.stop();
    }
  };
  withOidc('https://login.example.ch', 'env:PORTAL_OIDC_SECRET');
  assert.equal(await oidcOf([]), true);
  // a flag wins over aare.yaml's (here unusable) issuer
  withOidc('http://login.example.ch', 'env:PORTAL_OIDC_SECRET');
  assert.equal(await oidcOf(['--oidc-issuer', 'https://login.example.ch']), true);
});
