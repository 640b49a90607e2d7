// A lost signing key is noticed, not silently replaced: once a state has signed anything (or
// recorded its key), a missing key file is refused with a diagnostic naming the file and how to
// restore it; only a new state gets a throwaway key. On every store backend, and through the
// packaging context the CLI opens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiagnosticsError } from '../../src/diag/index.js';
import { openAppContext } from '../../src/app/index.js';
import { openSigningKey, readSigningKeyRecord } from '../../src/repo/index.js';
import { openStore } from '../../src/store/index.js';
import { storeBackendsForTests } from '../store/store-test-backends.js';
import { buildSignedRpm, noRpmbuild, testKey, testKeyFile } from './rpm-fixtures.js';
import { openHarness } from './repo-harness.js';

const identity = { name: 'aare test', email: 'test@aare.invalid' };

async function refusal(p: Promise<unknown>): Promise<DiagnosticsError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DiagnosticsError) return err;
    throw err;
  }
  assert.fail('the key was accepted');
}

for (const backend of storeBackendsForTests()) {
  test(`signing key of a state (${backend.name})`, { timeout: 120_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'aare-signing-key-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const store = await openStore(await backend.fresh());
    t.after(() => store.close());
    const path = join(dir, 'keys', 'signing-key.asc');

    await t.test('a new state may not get a key where the caller does not allow it', async () => {
      const err = await refusal(openSigningKey(store, path, identity, { mayCreate: false }));
      assert.equal(err.diagnostics[0]?.code, 'SIGNING_KEY_MISSING');
      assert.ok(err.diagnostics[0]!.summary.includes(path));
      assert.equal(existsSync(path), false);
    });

    await t.test('a new state gets a throwaway key, whose fingerprint it records', async () => {
      const key = await openSigningKey(store, path, identity, { mayCreate: true });
      assert.equal((statSync(path).mode & 0o777).toString(8), '600');
      assert.deepEqual(await readSigningKeyRecord(store.db), {
        fingerprint: key.fingerprint,
        publications: 0,
      });
      const again = await openSigningKey(store, path, identity, { mayCreate: true });
      assert.equal(again.fingerprint, key.fingerprint);
    });

    await t.test('once recorded, a missing key file is refused, naming the file and the key', async () => {
      const { fingerprint } = await readSigningKeyRecord(store.db);
      rmSync(path);
      const err = await refusal(openSigningKey(store, path, identity, { mayCreate: true }));
      assert.equal(err.diagnostics[0]?.code, 'SIGNING_KEY_MISSING');
      assert.ok(err.diagnostics[0]!.summary.includes(path), err.diagnostics[0]!.summary);
      assert.ok(err.diagnostics[0]!.summary.includes(fingerprint!));
      assert.match(err.diagnostics[0]!.summary, /restore the armored secret key from your backup/);
      assert.equal(existsSync(path), false, 'no new key was made');
    });
  });

  test(
    `a state with publications refuses a missing key (${backend.name})`,
    { skip: noRpmbuild, timeout: 120_000 },
    async (t) => {
      const h = await openHarness({ storeOptions: await backend.fresh() });
      t.after(() => h.close());
      await h.repo.createRepository('acme', 'acme');
      await h.repo.upload(
        'acme',
        await buildSignedRpm(join(h.dir, 'rpms'), { name: 'hello', version: '1' }, h.key),
      );
      await h.repo.distribute('acme', 'test');
      assert.deepEqual(await readSigningKeyRecord(h.store.db), {
        fingerprint: h.key.fingerprint,
        publications: 1,
      });
      // a state from before fingerprints were recorded: only its publications tell
      await h.store.db.deleteFrom('kv').where('key', '=', 'signing-key-fingerprint').execute();
      const path = join(h.stateDir, 'signing-key.asc');
      const err = await refusal(openSigningKey(h.store, path, identity, { mayCreate: true }));
      assert.equal(err.diagnostics[0]?.code, 'SIGNING_KEY_MISSING');
      assert.ok(err.diagnostics[0]!.summary.includes(path));
      assert.match(err.diagnostics[0]!.summary, /1 publication/);
      assert.equal(existsSync(path), false);
      // a key file that exists is taken as the operator's choice (a restore or a rotation) and recorded
      const rotated = await testKey('rotated');
      const taken = await openSigningKey(h.store, testKeyFile('rotated'), identity, { mayCreate: false });
      assert.equal(taken.fingerprint, rotated.fingerprint);
      assert.equal((await readSigningKeyRecord(h.store.db)).fingerprint, rotated.fingerprint);
    },
  );
}

test('the app context refuses to replace a lost throwaway key', { timeout: 120_000 }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'aare-signing-ctx-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const env = { PATH: process.env.PATH };
  const first = await openAppContext({ controlRepoDir: root, env });
  const fingerprint = (await first.signingKey()).fingerprint;
  await first.close();
  const keyFile = join(root, '.aare', 'signing-key.asc');
  assert.ok(existsSync(keyFile));
  rmSync(keyFile);
  const second = await openAppContext({ controlRepoDir: root, env });
  t.after(() => second.close());
  const err = await refusal(second.signingKey());
  assert.equal(err.diagnostics[0]?.code, 'SIGNING_KEY_MISSING');
  assert.ok(err.diagnostics[0]!.summary.includes(keyFile));
  assert.ok(err.diagnostics[0]!.summary.includes(fingerprint));
  assert.equal(existsSync(keyFile), false);
});
