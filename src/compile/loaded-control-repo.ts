import type { Result } from '../diag/index.js';
import type { Hiera } from '../hiera/index.js';
import type { ControlRepo } from '../model/index.js';

/**
 * A control repository as the composition root loaded it, once per command: the model with its
 * diagnostics, and its Hiera on demand (a repository whose model is broken may never need it).
 * Validation and compile take it instead of a directory, so nothing loads the repository twice.
 */
export interface LoadedControlRepo {
  controlRepo: Result<ControlRepo>;
  hiera(): Result<Hiera>;
}
