// The SQLite state file on disk: private modes whatever the umask, and an empty or foreign file
// reported as what it is (with how to restore) instead of an empty state or an internal error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiagnosticsError } from '../diag/index.js';
import { openStore } from './index.js';

const mode = (path: string): number => statSync(path).mode & 0o777;

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'aare-store-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function refusal(path: string, opts: { newState?: boolean } = {}): Promise<DiagnosticsError> {
  try {
    const store = await openStore({ sqlitePath: path, ...opts });
    await store.close();
  } catch (err) {
    if (err instanceof DiagnosticsError) return err;
    throw err;
  }
  assert.fail(`openStore accepted ${path}`);
}

test('store file: the state directory is 0700 and the database 0600 under umask 000', async (t) => {
  const root = scratch(t);
  const old = process.umask(0);
  t.after(() => process.umask(old));
  // a new state directory, and an existing one that is world-readable
  const fresh = join(root, 'new', '.aare');
  const open = join(root, 'open');
  mkdirSync(open, { mode: 0o777 });
  chmodSync(open, 0o777);
  writeFileSync(join(open, 'state.sqlite'), '');
  chmodSync(join(open, 'state.sqlite'), 0o666);
  for (const [dir, opts] of [
    [fresh, {}],
    [open, { newState: true }],
  ] as const) {
    const path = join(dir, 'state.sqlite');
    const store = await openStore({ sqlitePath: path, ...opts });
    await store.db.insertInto('kv').values({ scope: 't', key: 'k', value: 'v', updated_at: 'now' }).execute();
    assert.equal(mode(dir).toString(8), '700', dir);
    assert.equal(mode(path).toString(8), '600', path);
    assert.equal(mode(`${path}-wal`).toString(8), '600', `${path}-wal`);
    await store.close();
  }
});

test('store file: a zero-byte state is refused unless the caller says the state is new', async (t) => {
  const dir = scratch(t);
  const path = join(dir, 'state.sqlite');
  writeFileSync(path, '');
  const err = await refusal(path);
  assert.equal(err.diagnostics[0]?.code, 'STATE_CORRUPT');
  assert.match(err.diagnostics[0]!.summary, /is empty \(0 bytes\)/);
  assert.match(err.diagnostics[0]!.summary, /Restore .*state\.sqlite from your backup/);
  assert.equal(statSync(path).size, 0, 'nothing was written');
  const store = await openStore({ sqlitePath: path, newState: true });
  await store.close();
  assert.ok(statSync(path).size > 0);
  // once migrated it opens as usual
  const again = await openStore({ sqlitePath: path });
  await again.close();
});

test('store file: a file that is not a SQLite database is a diagnostic, not an internal error', async (t) => {
  const dir = scratch(t);
  for (const [name, content] of [
    ['text', 'this is not a database\n'.repeat(200)],
    ['header-only', Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(100, 0xff)])],
  ] as const) {
    const path = join(dir, `${name}.sqlite`);
    writeFileSync(path, content);
    const before = readFileSync(path);
    const err = await refusal(path);
    assert.equal(err.diagnostics[0]?.code, 'STATE_CORRUPT', name);
    assert.match(
      err.diagnostics[0]!.summary,
      /is not a readable SQLite database \(SQLITE_(NOTADB|CORRUPT)/,
      name,
    );
    assert.match(err.diagnostics[0]!.summary, /from your backup; or move it aside/, name);
    assert.deepEqual(readFileSync(path), before, `${name}: the file is unchanged`);
  }
});
