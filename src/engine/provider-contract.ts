// The driver contract as agreed with src/providers (STYLE.md lesson 4). Kept here until
// src/providers/index.ts exports it; then this file re-exports theirs.
export interface AttributeChange {
  path: string;
  before: unknown;
  after: unknown;
}

export interface DriverDiff {
  changes: AttributeChange[];
  replace: boolean;
  reasons: string[];
}

export interface DriverContext {
  address: string;
  signal: AbortSignal;
}

/** See src/providers: each method's failure semantics are what the engine's journal relies on. */
export interface ResourceDriver<D, S> {
  kind: string;
  read(ctx: DriverContext & { prior?: S }): Promise<S | undefined>;
  create(ctx: DriverContext & { desired: D }): Promise<S>;
  update?(ctx: DriverContext & { desired: D; prior: S }): Promise<S>;
  delete(ctx: DriverContext & { prior: S }): Promise<void>;
  diff(desired: D, actual: S): DriverDiff;
  findByAddress?(ctx: DriverContext): Promise<S | undefined>;
}
