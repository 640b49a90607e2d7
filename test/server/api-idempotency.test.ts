// The idempotency keys of the API's POSTs in the store (docs/api.md), on every backend: a key is
// claimed once; the stored answer is replayed; another request under it, or one while it runs, is
// refused; a released key can be claimed again; keys older than a day are forgotten.
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { claimKey, releaseKey, requestHash, storeAnswer } from '../../src/server/api/api-idempotency.js';
import { openStore } from '../../src/store/index.js';
import { storeBackendsForTests } from '../store/store-test-backends.js';

for (const backend of storeBackendsForTests()) {
  describe(`idempotency keys (${backend.name})`, () => {
    test('claim, replay, conflict, release, expiry', async () => {
      const store = await openStore(await backend.fresh());
      try {
        const now = new Date('2027-03-02T08:00:00Z');
        const a = requestHash('POST', '/api/v1/x', { decision: 'accepted' });
        const b = requestHash('POST', '/api/v1/x', { decision: 'rejected' });
        assert.deepEqual(await claimKey(store, 1, 'k', a, now), { kind: 'claimed' });
        assert.deepEqual(await claimKey(store, 1, 'k', a, now), { kind: 'busy' });
        assert.deepEqual(
          await claimKey(store, 2, 'k', a, now),
          { kind: 'claimed' },
          'keys are per principal',
        );
        await storeAnswer(store, 1, 'k', 201, { ok: true });
        assert.deepEqual(await claimKey(store, 1, 'k', a, now), {
          kind: 'replay',
          status: 201,
          body: { ok: true },
        });
        assert.deepEqual(await claimKey(store, 1, 'k', b, now), { kind: 'other-request' });
        await releaseKey(store, 2, 'k');
        assert.deepEqual(await claimKey(store, 2, 'k', b, now), { kind: 'claimed' });
        const dayLater = new Date(now.getTime() + 24 * 3600 * 1000 + 1);
        assert.deepEqual(
          await claimKey(store, 1, 'k', b, dayLater),
          { kind: 'claimed' },
          'forgotten after a day',
        );
      } finally {
        await store.close();
      }
    });
  });
}
