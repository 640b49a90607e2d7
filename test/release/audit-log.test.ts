// The audit log on every store backend: entries in order, filters, and `verify` finding an entry
// changed, deleted or added directly in the database (plain SQL, as someone with database access
// would do it), plus concurrent appenders keeping one unforked chain.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { appendAudit, listAudit, verifyAudit } from '../../src/release/index.js';
import type { AuditInput } from '../../src/release/index.js';
import { openStore, sql } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { storeBackendsForTests } from '../store/store-test-backends.js';

const t0 = Date.parse('2027-03-01T00:00:00+01:00');
const entry = (n: number, over: Partial<AuditInput> = {}): AuditInput => ({
  actor: 'operator',
  at: new Date(t0 + n * 3600_000),
  action: n % 2 ? 'apply' : 'release.freeze',
  scope: n % 2 ? 'resel/acme' : '',
  ...(n % 2 ? { customer: 'acme' } : {}),
  detail: { n },
  result: 'ok',
  ...over,
});

async function withFour(store: Store): Promise<void> {
  for (let n = 0; n < 4; n++) await appendAudit(store, entry(n));
}

const codes = (v: Awaited<ReturnType<typeof verifyAudit>>) => v.problems.map((p) => `${p.code} ${p.summary}`);

for (const backend of storeBackendsForTests()) {
  describe(`audit log (${backend.name})`, () => {
    const open = async () => openStore(await backend.fresh());

    test('lists oldest first, by customer and since, and verifies', async () => {
      const store = await open();
      try {
        await withFour(store);
        const all = await listAudit(store);
        assert.deepEqual(
          all.map((e) => [e.id, e.action, e.customer, e.detail.n]),
          [
            [1, 'release.freeze', undefined, 0],
            [2, 'apply', 'acme', 1],
            [3, 'release.freeze', undefined, 2],
            [4, 'apply', 'acme', 3],
          ],
        );
        assert.deepEqual(
          (await listAudit(store, { customer: 'acme' })).map((e) => e.id),
          [2, 4],
        );
        assert.deepEqual(
          (await listAudit(store, { since: new Date(t0 + 2 * 3600_000) })).map((e) => e.id),
          [3, 4],
        );
        assert.deepEqual(await verifyAudit(store), { entries: 4, problems: [] });
      } finally {
        await store.close();
      }
    });

    test('verify finds an entry changed in the database', async () => {
      const store = await open();
      try {
        await withFour(store);
        await sql`update audit_log set result = 'refused' where id = 2`.execute(store.db);
        const v = await verifyAudit(store);
        assert.deepEqual(codes(v), [
          'AUDIT_TAMPERED audit entry 2: its content does not match its hash: it was changed',
        ]);
      } finally {
        await store.close();
      }
    });

    test('verify finds a deleted entry, in the middle and at the end', async () => {
      const store = await open();
      try {
        await withFour(store);
        await sql`delete from audit_log where id = 2`.execute(store.db);
        assert.deepEqual(codes(await verifyAudit(store)), [
          'AUDIT_TAMPERED audit entry 3: the entry before it was deleted or changed (the chain does not link)',
        ]);
        await sql`delete from audit_log where id = 4`.execute(store.db);
        assert.match(
          codes(await verifyAudit(store)).join('\n'),
          /audit entry 4: the last entries were deleted/,
        );
      } finally {
        await store.close();
      }
    });

    test('concurrent appenders make one chain', async () => {
      // on PostgreSQL a second pool on the same database, as a second process would have
      const opts = await backend.fresh();
      const store = await openStore(opts);
      const second = opts.databaseUrl ? await openStore(opts) : store;
      try {
        await Promise.all(
          Array.from({ length: 12 }, (_, n) => appendAudit(n % 2 ? second : store, entry(n))),
        );
        assert.deepEqual(await verifyAudit(store), { entries: 12, problems: [] });
      } finally {
        if (second !== store) await second.close();
        await store.close();
      }
    });
  });
}

describe('audit log in a SQLite file edited with sqlite3', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-audit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('an edited detail is found', async () => {
    const file = join(dir, 'state.db');
    let store = await openStore({ sqlitePath: file, newState: true });
    await withFour(store);
    await store.close();
    const db = new Database(file);
    db.prepare(`update audit_log set detail = '{"n":99}' where id = 3`).run();
    db.close();
    store = await openStore({ sqlitePath: file });
    try {
      assert.deepEqual(codes(await verifyAudit(store)), [
        'AUDIT_TAMPERED audit entry 3: its content does not match its hash: it was changed',
      ]);
    } finally {
      await store.close();
    }
  });
});
