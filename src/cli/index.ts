/**
 * The command line: thin commands that parse arguments, call the layer below and render its
 * results and events. The only layer (with server/) that writes to stdout.
 */
export { action, UsageError, EXIT, printDiagnostics, oneOf } from './cli-run.js';
