// aare serve's download paths: GET and HEAD, ranges, ETag / Last-Modified revalidation, content
// types, tenant separation, uploads over HTTP (with the token).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSignedRpm, buildToyRpm, noRpmbuild } from './rpm-fixtures.js';
import { openHarness, PUBLIC_URL } from './repo-harness.js';

const token = 'test-upload-token-0123456789';

test('aare serve downloads and uploads', { skip: noRpmbuild, timeout: 120_000 }, async (t) => {
  const h = await openHarness({ serve: true, server: { upload: { token } } });
  t.after(() => h.close());
  await h.repo.createRepository('acme', 'acme');
  await h.repo.createRepository('other', 'other');
  const rpm = await buildSignedRpm(join(h.dir, 'rpms'), { name: 'hello', version: '1.0' }, h.key);
  const bytes = readFileSync(rpm);
  const up = await fetch(`${h.baseUrl}/api/repo/repositories/acme/packages`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-rpm', authorization: `Bearer ${token}` },
    body: bytes,
  });
  assert.equal(up.status, 201, await up.clone().text());
  const unsigned = readFileSync(buildToyRpm(join(h.dir, 'u'), { name: 'nosig', version: '1' }));
  const refused = await fetch(`${h.baseUrl}/api/repo/repositories/acme/packages`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-rpm', authorization: `Bearer ${token}` },
    body: unsigned,
  });
  assert.equal(refused.status, 400);
  assert.equal(((await refused.json()) as { errors: { code: string }[] }).errors[0]?.code, 'RPM_SIGNATURE');
  const otherRpm = await buildSignedRpm(join(h.dir, 'rpms2'), { name: 'secret', version: '1.0' }, h.key);
  await h.repo.upload('other', otherRpm);
  await h.repo.distribute('acme', 'test');
  await h.repo.distribute('other', 'test');
  const url = `${h.baseUrl}/repos/acme/test/Packages/hello-1.0-1.noarch.rpm`;

  const full = await fetch(url);
  assert.equal(full.status, 200);
  assert.equal(full.headers.get('content-type'), 'application/x-rpm');
  assert.equal(Number(full.headers.get('content-length')), bytes.length);
  assert.ok(Buffer.from(await full.arrayBuffer()).equals(bytes));
  const etag = full.headers.get('etag')!;
  assert.equal(etag, `"${createHash('sha256').update(bytes).digest('hex')}"`);
  // a package's file name can come back with other content, so only its digest validates it
  assert.equal(full.headers.get('last-modified'), null);

  const head = await fetch(url, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('etag'), etag);
  assert.equal(Number(head.headers.get('content-length')), bytes.length);

  const part = await fetch(url, { headers: { range: 'bytes=10-19' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 10-19/${bytes.length}`);
  assert.ok(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(10, 20)));
  const tail = await fetch(url, { headers: { range: 'bytes=-5' } });
  assert.ok(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 5)));
  const beyond = await fetch(url, { headers: { range: `bytes=${bytes.length + 10}-` } });
  assert.equal(beyond.status, 416);

  assert.equal((await fetch(url, { headers: { 'if-none-match': etag } })).status, 304);
  const later = new Date(Date.now() + 3_600_000).toUTCString();
  assert.equal((await fetch(url, { headers: { 'if-modified-since': later } })).status, 200);

  const repomd = await fetch(`${h.baseUrl}/repos/acme/test/repodata/repomd.xml`);
  assert.equal(repomd.status, 200);
  assert.match(repomd.headers.get('content-type')!, /^text\/xml/);
  assert.equal(repomd.headers.get('cache-control'), 'no-cache');
  const repomdBytes = Buffer.from(await repomd.arrayBuffer());
  assert.equal(repomd.headers.get('etag'), `"${createHash('sha256').update(repomdBytes).digest('hex')}"`);
  // checksummed repodata never changes under its name: Last-Modified is honest there
  const primaryHref = /href="(repodata\/[0-9a-f]{64}-primary\.xml\.gz)"/.exec(repomdBytes.toString())![1]!;
  const primary = await fetch(`${h.baseUrl}/repos/acme/test/${primaryHref}`);
  const primaryLm = primary.headers.get('last-modified')!;
  assert.ok(primaryLm);
  const revalidated = await fetch(`${h.baseUrl}/repos/acme/test/${primaryHref}`, {
    headers: { 'if-modified-since': primaryLm },
  });
  assert.equal(revalidated.status, 304);
  const key = await fetch(`${h.baseUrl}/keys/RPM-GPG-KEY-aare`);
  assert.equal(key.status, 200);
  assert.match(await key.text(), /BEGIN PGP PUBLIC KEY BLOCK/);

  // tenants: acme's distribution does not serve other's package, nor paths outside it
  assert.equal((await fetch(`${h.baseUrl}/repos/acme/test/Packages/secret-1.0-1.noarch.rpm`)).status, 404);
  assert.equal((await fetch(`${h.baseUrl}/repos/other/test/Packages/secret-1.0-1.noarch.rpm`)).status, 200);
  assert.equal((await fetch(`${h.baseUrl}/repos/acme/test/repodata/..%2F..%2Fpackages.json`)).status, 404);
  assert.equal((await fetch(`${h.baseUrl}/repos/acme/nope/repodata/repomd.xml`)).status, 404);
  assert.equal(
    (await fetch(`${h.baseUrl}/repos/acme/test/repodata/repomd.xml`, { method: 'DELETE' })).status,
    405,
  );

  // many concurrent downloads
  const all = await Promise.all(
    Array.from({ length: 64 }, () => fetch(url).then(async (r) => Buffer.from(await r.arrayBuffer()))),
  );
  assert.ok(all.every((b) => b.equals(bytes)));

  const dists = (await (await fetch(`${h.baseUrl}/api/repo/distributions`)).json()) as {
    url: string;
    packages: string[];
  }[];
  assert.deepEqual(
    dists.map((d) => [d.url, d.packages]),
    [
      [`${PUBLIC_URL}/repos/acme/test/`, ['hello']],
      [`${PUBLIC_URL}/repos/other/test/`, ['secret']],
    ],
  );
});
