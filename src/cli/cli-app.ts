// What commands share to reach the control repository and the state: the `-C, --control-repo`
// option (with the old `--repo` kept as a hidden alias), and one app context per command run.
import { existsSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { Option } from 'commander';
import type { Diagnostic } from '../diag/index.js';
import type { AppContext, AppContextOptions } from '../app/index.js';
import { UsageError } from './cli-run.js';

/** Options of every command that works on a control repository. */
export interface ControlRepoFlags {
  controlRepo: string;
}

/** `-C, --control-repo <dir>`: the control repository a command works on. */
export function controlRepoFlag(description = 'the control repository', defaultDir = '.'): Option {
  return new Option('-C, --control-repo <dir>', description).default(defaultDir);
}

/**
 * `--repo <dir>`, the old name of `--control-repo`: it keeps working, out of the help, because
 * next to `aare repo` (package repositories) it read as the wrong kind of repository. It sets the
 * same value (`controlRepo`).
 */
export function repoAliasFlag(): Option {
  return new RepoAlias('--repo <dir>', 'old name of --control-repo').hideHelp();
}

class RepoAlias extends Option {
  override attributeName(): string {
    return 'controlRepo';
  }
}

/** The control repository must be a directory: anything else is a usage error (exit 2), not a finding. */
export function requireControlRepoDir(dir: string): void {
  if (!existsSync(dir)) throw new UsageError(`--control-repo ${dir}: no such directory`);
  if (!statSync(dir).isDirectory()) throw new UsageError(`--control-repo ${dir}: not a directory`);
}

/** Paths as the user can open them from where they ran the command. */
export function relativeToCwd(controlRepoDir: string, diagnostics: readonly Diagnostic[]): Diagnostic[] {
  if (controlRepoDir === '.' || controlRepoDir === './') return [...diagnostics];
  return diagnostics.map((d) =>
    d.source ? { ...d, source: { ...d.source, file: posix.join(controlRepoDir, d.source.file) } } : d,
  );
}

/** Runs `fn` with the command's one app context, closed afterwards whatever happens. */
export async function withApp<T>(
  flags: ControlRepoFlags,
  fn: (app: AppContext) => Promise<T>,
  opts: Omit<AppContextOptions, 'controlRepoDir'> = {},
): Promise<T> {
  const { openAppContext } = await import('../app/index.js');
  const app = openAppContext({ ...opts, controlRepoDir: flags.controlRepo });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}
