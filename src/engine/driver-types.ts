import type { DriverDiff } from './provider-contract.js';
import type { ResourceDriver } from './provider-contract.js';

/**
 * What the engine needs of a driver beyond the providers' contract: the endpoint it talks to
 * (for per-endpoint concurrency limits) and, optionally, one listing call per kind so refresh
 * costs a request per kind and page instead of one GET per resource.
 */
export interface EngineDriver<D = unknown, S = unknown> extends ResourceDriver<D, S> {
  endpoint: string;
  /**
   * Every object of this kind that carries an Aare address tag, keyed by address. Only objects
   * whose address is in `addresses` need be returned. Read-only.
   */
  list?(ctx: { addresses: readonly string[]; signal: AbortSignal }): Promise<Map<string, S>>;
}

export type { DriverDiff };

/** Drivers by kind; the composition root builds it (OpenStack in the CLI, a test driver in tests). */
export type DriverSet = ReadonlyMap<string, EngineDriver>;
