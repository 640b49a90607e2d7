import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore, nowIso } from '../../src/store/index.js';
import { storeBackendsForTests } from './store-test-backends.js';

for (const backend of storeBackendsForTests()) {
  test(`store (${backend.name}): migrates and keeps transactions atomic`, async () => {
    const store = await openStore(await backend.fresh());
    try {
      await store.db
        .insertInto('kv')
        .values({ scope: 's', key: 'a', value: '1', updated_at: nowIso() })
        .execute();
      await assert.rejects(
        store.transaction(async (trx) => {
          await trx
            .insertInto('kv')
            .values({ scope: 's', key: 'b', value: '2', updated_at: nowIso() })
            .execute();
          throw new Error('crash in the middle');
        }),
        /crash in the middle/,
      );
      const rows = await store.db.selectFrom('kv').select(['key']).orderBy('key').execute();
      assert.deepEqual(
        rows.map((r) => r.key),
        ['a'],
      );
    } finally {
      await store.close();
    }
  });
}
