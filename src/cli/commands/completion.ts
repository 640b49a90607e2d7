// `aare completion bash|zsh|fish`: a completion script for the shell, made from the program's own
// commands and options (cli-completion.ts).
import type { Command } from 'commander';
import { action, oneOf } from '../cli-run.js';

export function register(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script for aare (bash, zsh or fish)')
    .argument('<shell>', 'bash | zsh | fish')
    .addHelpText(
      'after',
      `
Install:
  bash: aare completion bash > /etc/bash_completion.d/aare   (or: source <(aare completion bash))
  zsh:  aare completion zsh > "\${fpath[1]}/_aare"
  fish: aare completion fish > ~/.config/fish/completions/aare.fish`,
    )
    .action(
      action(async (shell: string) => {
        const { completionScript, shells } = await import('../cli-completion.js');
        process.stdout.write(completionScript(oneOf('shell', shell, shells), program));
      }),
    );
}
