import type { DriverDiff, EngineDriver } from '../../src/engine/index.js';

/**
 * A driver that keeps its objects in a Map: for testing the engine's own logic (graph walk, plan
 * diff, journal, crash resume) in memory. It is not a model of any real system. Objects are plain
 * records `{ id, address, ...desired }`; `replaceOn` names attributes that cannot change in place.
 * `calls` counts every call by name; `failNext` makes the next call of a method throw.
 */
export interface MemoryObject {
  id: string;
  address: string;
  [attr: string]: unknown;
}

export class MemoryCloud {
  readonly objects = new Map<string, MemoryObject>();
  private nextId = 1;
  newId(kind: string): string {
    return `${kind.split('.').pop()}-${this.nextId++}`;
  }
}

export interface MemoryDriver extends EngineDriver<Record<string, unknown>, MemoryObject> {
  calls: Record<string, number>;
  failNext: Partial<Record<'create' | 'update' | 'delete' | 'read' | 'list', Error>>;
  /** Runs before each create (after the object exists, when `afterCreate`), e.g. to kill the process. */
  hooks: {
    beforeCreate?: (address: string) => Promise<void> | void;
    afterCreate?: (address: string) => Promise<void> | void;
  };
}

export function memoryDriver(
  cloud: MemoryCloud,
  kind: string,
  opts: { endpoint?: string; replaceOn?: string[]; withList?: boolean; delayMs?: number } = {},
): MemoryDriver {
  const calls: Record<string, number> = {};
  const count = (name: string) => {
    calls[name] = (calls[name] ?? 0) + 1;
  };
  const failNext: MemoryDriver['failNext'] = {};
  const maybeFail = (name: keyof MemoryDriver['failNext']) => {
    const err = failNext[name];
    if (err) {
      delete failNext[name];
      throw err;
    }
  };
  const pause = () => (opts.delayMs ? new Promise((r) => setTimeout(r, opts.delayMs)) : Promise.resolve());
  const mine = (o: MemoryObject) => o.id.startsWith(`${kind.split('.').pop()}-`);
  const hooks: MemoryDriver['hooks'] = {};
  const driver: MemoryDriver = {
    kind,
    endpoint: opts.endpoint ?? 'memory',
    calls,
    failNext,
    hooks,
    read({ prior }) {
      count('read');
      maybeFail('read');
      const id = prior?.id;
      return Promise.resolve(id ? structuredClone(cloud.objects.get(id)) : undefined);
    },
    async create({ address, desired, signal }) {
      count('create');
      await hooks.beforeCreate?.(address);
      await pause();
      signal.throwIfAborted();
      maybeFail('create');
      const obj: MemoryObject = { ...structuredClone(desired), id: cloud.newId(kind), address };
      cloud.objects.set(obj.id, obj);
      await hooks.afterCreate?.(address);
      return structuredClone(obj);
    },
    async update({ desired, prior }) {
      count('update');
      await pause();
      maybeFail('update');
      const obj = cloud.objects.get(prior.id);
      if (!obj) throw Object.assign(new Error(`${kind} ${prior.id} not found`), { name: 'NotFound' });
      Object.assign(obj, structuredClone(desired));
      return structuredClone(obj);
    },
    async delete({ prior }) {
      count('delete');
      await pause();
      maybeFail('delete');
      cloud.objects.delete(prior.id);
    },
    diff(desired, actual): DriverDiff {
      const changes = Object.keys(desired)
        .filter((k) => JSON.stringify(desired[k]) !== JSON.stringify(actual[k]))
        .sort()
        .map((k) => ({
          path: k,
          before: actual[k],
          after: desired[k],
          ...(opts.replaceOn?.includes(k) ? { forcesReplacement: true } : {}),
        }));
      const fixed = changes.filter((c) => c.forcesReplacement);
      return {
        changes,
        replace: fixed.length > 0,
        reasons: fixed.map((c) => `${c.path} cannot change in place`),
      };
    },
    findByAddress({ address }) {
      count('findByAddress');
      const found = [...cloud.objects.values()].find((o) => mine(o) && o.address === address);
      return Promise.resolve(found ? structuredClone(found) : undefined);
    },
  };
  if (opts.withList) {
    driver.list = ({ addresses }) => {
      count('list');
      maybeFail('list');
      const wanted = new Set(addresses);
      const out = new Map<string, MemoryObject>();
      for (const o of cloud.objects.values())
        if (mine(o) && wanted.has(o.address)) out.set(o.address, structuredClone(o));
      return Promise.resolve(out);
    };
  }
  return driver;
}
