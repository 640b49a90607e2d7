import type { Store } from '../store/index.js';
import type { DriverSet } from './driver-types.js';
import type { EventSink } from './plan-types.js';

/** Everything plan and apply need, wired by hand in the composition root (the CLI, a test). */
export interface EngineContext {
  store: Store;
  drivers: DriverSet;
  onEvent?: EventSink;
  signal?: AbortSignal;
  /** Concurrent calls per endpoint (e.g. `{ nova: 4, neutron: 4, keystone: 2 }`). */
  limits?: Readonly<Record<string, number>>;
  /** See CREATE_GRACE_MS; tests of pure logic set 0. */
  recoveryGraceMs?: number;
}
