// Entry point of the `aare` command. Each command lives in commands/<name>.ts and registers
// itself (cli-program.ts); implementations are imported lazily so that start-up stays small.
import { CommanderError } from 'commander';
import { error } from '../diag/index.js';
import { commandName, EXIT, exitWithUnexpected, reportFailure } from './cli-run.js';
import { buildProgram, commandOf } from './cli-program.js';

// A reader that stops early (`aare compile --all | head`) closes the pipe: the command has
// nothing more to say to it, so it ends quietly with the status it has.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
  exitWithUnexpected(err);
  process.exit();
});

const program = buildProgram();

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) {
    exitWithUnexpected(err);
  } else if (err.exitCode === 0) {
    process.exitCode = EXIT.ok; // --help, --version
  } else {
    // `commander.help`: a command group run without a subcommand; its help is already on stderr
    if (err.code !== 'commander.help') {
      const args = process.argv.slice(2);
      reportFailure([error('USAGE', err.message.replace(/^error: /, ''))], {
        json: args.includes('--json'),
        hint: `see '${commandName(commandOf(program, args))} --help'`,
      });
    }
    process.exitCode = EXIT.usage;
  }
}
