import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topoOrder, walk } from '../../src/engine/index.js';
import type { GraphNode } from '../../src/engine/index.js';

const n = (id: string, after: string[] = [], endpoint = 'e'): GraphNode => ({ id, after, endpoint });

test('topoOrder is deterministic: ties broken by id', () => {
  const nodes = [n('c', ['a']), n('b'), n('a'), n('d', ['b', 'c'])];
  assert.deepEqual(topoOrder(nodes).order, ['a', 'b', 'c', 'd']);
  assert.deepEqual(topoOrder([...nodes].reverse()).order, ['a', 'b', 'c', 'd']);
});

test('topoOrder reports a cycle with its path as a CYCLE diagnostic', () => {
  const { diagnostics } = topoOrder([n('a', ['c']), n('b', ['a']), n('c', ['b']), n('x')]);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0]!.code, 'CYCLE');
  assert.match(diagnostics[0]!.summary, /a -> c -> b -> a/);
});

test('walk runs dependencies first and skips dependents of a failure as upstream failed', async () => {
  const seen: string[] = [];
  const skipped: string[] = [];
  const outcome = await walk([n('net'), n('subnet', ['net']), n('port', ['subnet']), n('sg')], {
    signal: new AbortController().signal,
    visit: (id) => {
      seen.push(id);
      if (id === 'subnet') return Promise.reject(new Error('boom'));
      return Promise.resolve();
    },
    onSkipped: (id, reason) => skipped.push(`${id}:${reason}`),
  });
  assert.deepEqual(seen.sort(), ['net', 'sg', 'subnet']);
  assert.equal(outcome.get('subnet'), 'failed');
  assert.equal(outcome.get('port'), 'upstream failed');
  assert.equal(outcome.get('sg'), 'done');
  assert.deepEqual(skipped, ['port:upstream failed']);
});

test('walk keeps per-endpoint concurrency within its limit', async () => {
  let running = 0;
  let peak = 0;
  const nodes = Array.from({ length: 12 }, (_, i) => n(`s${String(i).padStart(2, '0')}`, [], 'nova'));
  await walk(nodes, {
    signal: new AbortController().signal,
    limits: { nova: 3 },
    visit: async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    },
  });
  assert.equal(peak, 3);
});

test('walk stops starting nodes once cancelled, and marks the rest cancelled', async () => {
  const ac = new AbortController();
  const seen: string[] = [];
  const outcome = await walk([n('a'), n('b', ['a']), n('c', ['b'])], {
    signal: ac.signal,
    visit: (id) => {
      seen.push(id);
      if (id === 'a') ac.abort();
      return Promise.resolve();
    },
  });
  assert.deepEqual(seen, ['a']);
  assert.equal(outcome.get('a'), 'done');
  assert.equal(outcome.get('b'), 'cancelled');
  assert.equal(outcome.get('c'), 'cancelled');
});
