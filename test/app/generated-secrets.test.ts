// The master key is made once per state and every secret is derived from it: the same state
// gives the same secrets, another state other ones; tokens are filled for one scope only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGeneratedSecrets, masterKeyWrap } from '../../src/app/generated-secrets.js';
import { DiagnosticsError } from '../../src/diag/index.js';
import { SECRET_TOKENS } from '../../src/compile/index.js';
import { fillSecretTokens, hasSecretTokens, unfillSecretTokens } from '../../src/providers/index.js';
import { openStore } from '../../src/store/index.js';

test('a state keeps its secrets across opens; another state has other secrets', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const open = async (file: string) => {
    const store = await openStore({ sqlitePath: join(dir, file), newState: true });
    try {
      return await loadGeneratedSecrets(store, masterKeyWrap(dir, {}));
    } finally {
      await store.close();
    }
  };
  const a1 = await open('a.db');
  const a2 = await open('a.db');
  const b = await open('b.db');
  assert.equal(a1.backupRepositoryPassword('acme', 'test'), a2.backupRepositoryPassword('acme', 'test'));
  assert.notEqual(a1.backupRepositoryPassword('acme', 'test'), b.backupRepositoryPassword('acme', 'test'));
  assert.notEqual(a1.backupRepositoryPassword('acme', 'test'), a1.backupRepositoryPassword('acme', 'prod'));
  assert.notEqual(a1.backupLoginPassword('acme'), a1.backupLoginPassword('globex'));
  assert.match(a1.backupLoginPassword('acme'), /^[A-Za-z0-9_-]{43}$/);
});

test('tokens are filled with the scope’s own secrets and taken back out for hashing', async () => {
  const store = await openStore({ sqlitePath: ':memory:' });
  const secrets = await loadGeneratedSecrets(
    store,
    masterKeyWrap('/nonexistent', { AARE_MASTER_KEY: '33'.repeat(32) }),
  );
  await store.close();
  const text = `RESTIC_PASSWORD=${SECRET_TOKENS.backupRepositoryPassword}\nLOGIN=${SECRET_TOKENS.backupLoginPassword}\n`;
  assert.ok(hasSecretTokens(text));
  const filled = fillSecretTokens(text, secrets, 'acme', 'test');
  assert.ok(!hasSecretTokens(filled));
  assert.ok(filled.includes(secrets.backupRepositoryPassword('acme', 'test')));
  assert.ok(!filled.includes(secrets.backupRepositoryPassword('globex', 'test')));
  assert.equal(unfillSecretTokens(filled, secrets, 'acme', 'test'), text);
  // filled for another scope, the text does not hash like the plan's
  assert.notEqual(unfillSecretTokens(filled, secrets, 'globex', 'test'), text);
});

test('the master key is encrypted at rest, and another key-encryption key opens nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = await openStore({ sqlitePath: join(dir, 'state.db'), newState: true });
  const wrap = masterKeyWrap(dir, {});
  assert.equal(statSync(join(dir, 'master.key')).mode & 0o777, 0o600);
  const before = await loadGeneratedSecrets(store, wrap);
  const row = await store.db
    .selectFrom('kv')
    .select('value')
    .where('scope', '=', 'secrets')
    .executeTakeFirstOrThrow();
  assert.match(row.value, /^kek1:[0-9a-f]{16}:/);
  const after = await loadGeneratedSecrets(store, wrap);
  assert.equal(after.backupLoginPassword('acme'), before.backupLoginPassword('acme'));
  // another key-encryption key opens nothing, and says so with a diagnostic
  await assert.rejects(
    loadGeneratedSecrets(store, masterKeyWrap(dir, { AARE_MASTER_KEY: '55'.repeat(32) })),
    (e: unknown) => e instanceof DiagnosticsError && e.diagnostics[0]?.code === 'SECRETS_UNAVAILABLE',
  );
  await store.close();
});
