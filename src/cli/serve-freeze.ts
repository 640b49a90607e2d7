// `aare serve` makes the monthly freeze by itself (docs/maintenance.md): a check at start and
// every half minute; several servers on one PostgreSQL make it exactly once between them.
import { hostname } from 'node:os';
import { DiagnosticsError, formatDiagnostic } from '../diag/index.js';
import type { AppContext } from '../app/index.js';

const CHECK_INTERVAL_MS = 30_000;

export async function scheduleFreezes(app: AppContext): Promise<{ stop(): Promise<void> }> {
  const { startFreezeSchedule } = await import('../release/index.js');
  // a refusal (uncommitted changes) or failure repeats at every check: say it once until it changes
  let lastMessage = '';
  const say = (message: string) => {
    if (message === lastMessage) return;
    lastMessage = message;
    process.stderr.write(`aare serve: ${message}\n`);
  };
  return startFreezeSchedule(
    {
      store: await app.store(),
      repoService: await app.repoService(),
      controlRepoDir: app.config.controlRepoDir,
      stateDir: app.config.stateDir,
      maintenance: () => app.controlRepo().provider.maintenance,
      now: app.config.now,
      actor: app.config.actor,
      claimant: `${hostname()}:${process.pid}`,
    },
    CHECK_INTERVAL_MS,
    (o) => {
      switch (o.kind) {
        case 'frozen':
          return say(
            `froze release ${o.release.name} (commit ${o.release.commit}, snapshot ${o.release.snapshot})`,
          );
        case 'refused':
          return say(
            `the freeze of ${o.month} is due but refused: ${o.diagnostics.map(formatDiagnostic).join('; ')}`,
          );
        case 'error':
          return say(
            `the scheduled freeze failed (checked again in ${CHECK_INTERVAL_MS / 1000} s): ${
              o.error instanceof DiagnosticsError
                ? o.error.diagnostics.map(formatDiagnostic).join('; ')
                : o.error instanceof Error
                  ? o.error.message
                  : String(o.error)
            }`,
          );
        case 'not-due':
        case 'released':
        case 'claimed-elsewhere':
          return undefined;
      }
    },
  );
}
