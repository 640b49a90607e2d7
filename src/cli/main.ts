// Entry point of the `aare` command. Each command lives in commands/<name>.ts and registers
// itself here; implementations are imported lazily so that start-up stays small.
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { exitWithUnexpected } from './cli-run.js';

const program = new Command('aare')
  .description('Control plane for managed private clouds')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // help and version exit 0; usage errors were already printed by commander
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    exitWithUnexpected(err);
  }
}
