// The `aare` program: every command registered, commander's own messages silenced so that
// main.ts renders them in the one diagnostic style. Built by a function so that tests can walk
// the commands without running them.
import { Command } from 'commander';
import { commands } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command('aare')
    .description('Control plane for managed private clouds')
    .version('0.1.0')
    // subcommands inherit both, so every usage error reaches main.ts as a CommanderError
    .configureOutput({ outputError: () => undefined })
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

/** The deepest command the arguments name, for the hint of a usage error. */
export function commandOf(program: Command, args: readonly string[]): Command {
  let cmd = program;
  for (const arg of args) {
    const sub = cmd.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (sub) cmd = sub;
    else if (!arg.startsWith('-')) break;
  }
  return cmd;
}
