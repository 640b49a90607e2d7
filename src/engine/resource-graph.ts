import pLimit from 'p-limit';
import { error } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';

/**
 * Walk semantics (docs/engine.md; after Terraform's internal/dag/walk.go):
 * - order is deterministic: of the nodes whose dependencies are done, the one with the smallest
 *   id starts first;
 * - a cycle is a diagnostic (CYCLE) naming the path, found before anything runs;
 * - at most `limits[endpoint]` visits run at once per endpoint (default `defaultLimit`);
 * - a failed node's transitive dependents are skipped as "upstream failed"; independent nodes go on;
 * - once `signal` fires no new node starts; the ones not started are skipped as "cancelled", and
 *   the ones running get the signal.
 */
export interface GraphNode {
  id: string;
  /** ids of nodes that must finish first; ids not in the graph are ignored. */
  after: readonly string[];
  endpoint: string;
}

/** Topological order with ties broken by id, or a CYCLE diagnostic with the cycle's path. */
export function topoOrder(nodes: readonly GraphNode[]): { order: string[]; diagnostics: Diagnostic[] } {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const indegree = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const n of nodes) {
    const deps = [...new Set(n.after)].filter((d) => byId.has(d));
    indegree.set(n.id, deps.length);
    for (const d of deps) {
      const list = dependents.get(d) ?? [];
      list.push(n.id);
      dependents.set(d, list);
    }
  }
  const ready = [...nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id)].sort();
  const order: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(id);
    for (const dep of dependents.get(id) ?? []) {
      const left = indegree.get(dep)! - 1;
      indegree.set(dep, left);
      if (left === 0) insertSorted(ready, dep);
    }
  }
  if (order.length === nodes.length) return { order, diagnostics: [] };
  const cycle = findCycle(
    nodes.filter((n) => indegree.get(n.id)! > 0),
    byId,
  );
  return {
    order,
    diagnostics: [
      error('CYCLE', `resources depend on each other in a cycle: ${cycle.join(' -> ')}`, {
        address: cycle[0],
      }),
    ],
  };
}

function insertSorted(list: string[], id: string): void {
  let i = 0;
  while (i < list.length && list[i]! < id) i++;
  list.splice(i, 0, id);
}

function findCycle(stuck: readonly GraphNode[], byId: Map<string, GraphNode>): string[] {
  const sorted = [...stuck].sort((a, b) => (a.id < b.id ? -1 : 1));
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    path.push(id);
    for (const d of [...(byId.get(id)?.after ?? [])].sort()) {
      if (!byId.has(d)) continue;
      const found = visit(d);
      if (found) return found;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const n of sorted) {
    const found = visit(n.id);
    if (found) return found;
  }
  return sorted.map((n) => n.id);
}

export type NodeOutcome = 'done' | 'failed' | 'upstream failed' | 'cancelled';

export interface WalkOptions {
  limits?: Readonly<Record<string, number>>;
  defaultLimit?: number;
  signal: AbortSignal;
  /** Runs one node. A throw marks it failed (the walker does not rethrow). */
  visit: (id: string, signal: AbortSignal) => Promise<void>;
  /** Told of each failure and skip as it happens, for events. */
  onFailed?: (id: string, err: unknown) => void;
  onSkipped?: (id: string, reason: 'upstream failed' | 'cancelled') => void;
}

/** Walks the graph concurrently. Call only on an acyclic graph (check with topoOrder first). */
export async function walk(
  nodes: readonly GraphNode[],
  opts: WalkOptions,
): Promise<Map<string, NodeOutcome>> {
  const { order, diagnostics } = topoOrder(nodes);
  if (diagnostics.length > 0) throw new Error('walk() called on a graph with a cycle');
  const rank = new Map(order.map((id, i) => [id, i]));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const outcome = new Map<string, NodeOutcome>();
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const n of nodes) {
    const deps = [...new Set(n.after)].filter((d) => byId.has(d));
    waiting.set(n.id, deps.length);
    for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), n.id]);
  }
  const limiters = new Map<string, ReturnType<typeof pLimit>>();
  const limiterFor = (endpoint: string) => {
    let l = limiters.get(endpoint);
    if (!l) {
      l = pLimit(opts.limits?.[endpoint] ?? opts.defaultLimit ?? 4);
      limiters.set(endpoint, l);
    }
    return l;
  };

  const notStarted = Symbol('not started');
  return new Promise((resolve) => {
    let running = 0;
    const finishIfIdle = () => {
      if (running === 0 && outcome.size === nodes.length) resolve(outcome);
    };
    const skipDependents = (id: string) => {
      for (const dep of dependents.get(id) ?? []) {
        if (outcome.has(dep)) continue;
        outcome.set(dep, 'upstream failed');
        opts.onSkipped?.(dep, 'upstream failed');
        skipDependents(dep);
      }
    };
    const cancelRest = () => {
      for (const id of order) {
        if (outcome.has(id) || started.has(id)) continue;
        outcome.set(id, 'cancelled');
        opts.onSkipped?.(id, 'cancelled');
      }
    };
    const started = new Set<string>();
    const start = (ids: string[]) => {
      ids.sort((a, b) => rank.get(a)! - rank.get(b)!);
      for (const id of ids) {
        if (opts.signal.aborted) break;
        if (outcome.has(id)) continue;
        started.add(id);
        running++;
        const node = byId.get(id)!;
        void limiterFor(node.endpoint)(async () => {
          if (opts.signal.aborted) throw notStarted;
          await opts.visit(id, opts.signal);
        }).then(
          () => {
            outcome.set(id, 'done');
            running--;
            const next: string[] = [];
            for (const dep of dependents.get(id) ?? []) {
              const left = waiting.get(dep)! - 1;
              waiting.set(dep, left);
              if (left === 0 && !outcome.has(dep)) next.push(dep);
            }
            if (opts.signal.aborted) cancelRest();
            else start(next);
            finishIfIdle();
          },
          (err: unknown) => {
            running--;
            if (err === notStarted) {
              outcome.set(id, 'cancelled');
              opts.onSkipped?.(id, 'cancelled');
            } else {
              outcome.set(id, 'failed');
              opts.onFailed?.(id, err);
            }
            if (opts.signal.aborted) cancelRest();
            skipDependents(id);
            finishIfIdle();
          },
        );
      }
      if (opts.signal.aborted) cancelRest();
    };
    start(nodes.filter((n) => waiting.get(n.id) === 0).map((n) => n.id));
    finishIfIdle();
  });
}
