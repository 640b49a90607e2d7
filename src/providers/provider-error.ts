// The providers' failure type is diag's (so the engine recognises it without importing providers);
// the OpenStack client's files import it from here.
export { ProviderError, isProviderError, isAbortError } from '../diag/index.js';
