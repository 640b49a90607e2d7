// The `aare` program: every command registered, commander's own messages silenced so that
// main.ts renders them in the one diagnostic style. Built by a function so that tests can walk
// the commands without running them.
import { Command, InvalidArgumentError, Option } from 'commander';
import { checkRemoteCommand } from './cli-remote.js';
import { commands } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command('aare')
    .description('Control plane for managed private clouds')
    .version('0.1.0')
    // subcommands inherit both, so every usage error reaches main.ts as a CommanderError
    .configureOutput({ outputError: () => undefined })
    .exitOverride()
    .configureHelp({ showGlobalOptions: true })
    .addOption(
      new Option(
        '--os-cloud <name>',
        "the clouds.yaml cloud to use, over OS_CLOUD and aare.yaml's endpoints.openstack.cloud",
      ).argParser(nonEmpty),
    )
    // the app reads its settings once, from the environment (src/app/app-config.ts): the flag goes
    // there under a name of its own, so that the OpenStack provider can tell it from OS_CLOUD
    .addOption(
      new Option(
        '--server <url>',
        'run against this aare serve (its API, with AARE_TOKEN) instead of the local state; over AARE_SERVER',
      ),
    )
    .hook('preAction', (self, actionCommand) => {
      const { osCloud } = self.opts<{ osCloud?: string }>();
      if (osCloud !== undefined) process.env.AARE_OS_CLOUD = osCloud;
      checkRemoteCommand(self, actionCommand);
    });
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

function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('a cloud name of clouds.yaml is needed');
  return value;
}
