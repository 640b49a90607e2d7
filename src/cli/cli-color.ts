// Whether the CLI colours what it writes, decided once for every command: never when NO_COLOR
// holds anything (https://no-color.org), when FORCE_COLOR asks for it (anything but '' or '0'),
// else only when stdout is a terminal that is not TERM=dumb. picocolors' own guess also colours a
// pipe whenever CI is set: every colour of the CLI goes through `colors` here instead.
import pc from 'picocolors';

export function colorEnabled(
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** picocolors' functions, which colour only when {@link colorEnabled} says so. */
export const colors = pc.createColors(colorEnabled());
