// The driver contract: what a provider implements for each kind of real resource, and all the
// engine knows of providers (docs/engine.md). Types only; providers import them from here.

/** One attribute that differs between what the model wants and what the real system has. */
export interface AttributeChange {
  /** Dotted path into the desired shape, e.g. `rules[2].port` or `metadata.aare-address`. */
  path: string;
  before: unknown;
  after: unknown;
  /** This change cannot be made in place: the plan marks it `# forces replacement`. */
  forcesReplacement?: boolean;
}

export interface DriverDiff {
  changes: AttributeChange[];
  /** True when at least one change cannot be made in place: delete then create. */
  replace: boolean;
  /** Why a replacement is needed, one line each, for the plan ("image cannot change in place"). */
  reasons: string[];
}

/** What every driver call gets: the Aare address of the resource and a signal to cancel. */
export interface DriverContext {
  /** Stable Aare address, e.g. `muster-ag/test/web1#server`. Drivers tag real objects with it. */
  address: string;
  signal: AbortSignal;
}

/**
 * A driver for one kind of real resource. `D` is the desired shape a provider computes from the
 * model; `S` is the recorded/observed state, which carries the real id.
 *
 * Failure semantics, which the engine relies on:
 * - Every method throws `ProviderError` (diag; never a raw fetch error) for a refused or failed
 *   call, and an `AbortError`-named error when the signal fires.
 * - Drivers tag what they create with the address (tag, metadata or name), so that `findByAddress`
 *   can adopt an object whose creation succeeded but was never recorded.
 */
export interface ResourceDriver<D, S> {
  /** `<provider>.<kind>`, the provider's name first. Unique among drivers; the engine keys state by it. */
  kind: string;
  /**
   * Observes the real object `prior` refers to. `undefined` means it is gone (deleted by hand).
   * Read never changes anything. After a failure nothing is known: the engine keeps `prior`.
   */
  read(ctx: DriverContext & { prior?: S }): Promise<S | undefined>;
  /**
   * Creates the object and waits until it is usable (e.g. a server ACTIVE). If it throws, the
   * object may or may not exist: the engine must call `findByAddress` (when present) before
   * creating again, so a retry never makes a duplicate. If the object exists but did not become
   * usable (server in ERROR), the error carries its state in `ProviderError.partialState`.
   */
  create(ctx: DriverContext & { desired: D }): Promise<S>;
  /**
   * Changes in place what `diff` reported without `replace`. If it throws, some of the changes
   * may have been made; the next `read` + `diff` shows what is left. Absent: every change replaces.
   */
  update?(ctx: DriverContext & { desired: D; prior: S }): Promise<S>;
  /**
   * Deletes the object and waits until it is gone. Deleting what is already gone succeeds
   * (idempotent). If it throws, the object is assumed to still exist.
   */
  delete(ctx: DriverContext & { prior: S }): Promise<void>;
  /** Pure: compares desired with actual. No I/O. */
  diff(desired: D, actual: S): DriverDiff;
  /**
   * What a plan shows of a desired shape, by display name (`flavor`, `fixedIp`, `userData`...),
   * for a create and to compare with the shape last applied. Pure. It must never return a secret:
   * a digest or a redacted form stands in for it. Absent: the plan shows the desired shape itself.
   * Values are strings, numbers, booleans, lists of them, or one level of `name -> value`.
   */
  display?(desired: D): Record<string, unknown>;
  /** Finds the object tagged with `address`, to adopt what a crashed apply created but did not record. */
  findByAddress?(ctx: DriverContext): Promise<S | undefined>;
}

/**
 * A driver as the engine schedules it: the endpoint it talks to (for per-endpoint concurrency
 * limits) and, optionally, one listing call per kind so refresh costs a request per kind and page
 * instead of one GET per resource.
 */
export interface EngineDriver<D = unknown, S = unknown> extends ResourceDriver<D, S> {
  endpoint: string;
  /**
   * Every object of this kind that carries an Aare address tag, keyed by address. Only objects
   * whose address is in `addresses` need be returned. Read-only.
   */
  list?(ctx: { addresses: readonly string[]; signal: AbortSignal }): Promise<Map<string, S>>;
}

/** Drivers by kind; the composition root (src/app) builds it from every provider, tests from theirs. */
export type DriverSet = ReadonlyMap<string, EngineDriver>;
