// `aare serve`: the HTTP server (repository downloads and API; the web UI joins later).
import type { Command } from 'commander';
import { action, UsageError } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';

interface ServeFlags extends ControlRepoFlags {
  host: string;
  port: string;
  url?: string;
  log?: boolean;
  workers: string;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('Serve repositories (/repos/<customer>/<environment>/), the provider key and the API')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '8080')
    .option('--url <base>', 'public base URL (for URLs in API answers)')
    .option('--workers <n>', 'processes that share the port (node:cluster)', '1')
    .option('--log', 'log requests as JSON lines')
    .action(
      action(async (o: ServeFlags) => {
        if (!/^\d+$/.test(o.port) || Number(o.port) > 65535)
          throw new UsageError(`--port must be a port number, got '${o.port}'`);
        if (!/^[1-9]\d*$/.test(o.workers))
          throw new UsageError(`--workers must be a positive number, got '${o.workers}'`);
        const workers = Number(o.workers);
        const cluster = (await import('node:cluster')).default;
        if (workers > 1 && cluster.isPrimary) return supervise(cluster, workers);
        await serve(o, cluster.isWorker);
      }),
    );
}

/** The primary of a cluster: starts the workers, restarts none, stops them all on a signal. */
async function supervise(cluster: typeof import('node:cluster').default, workers: number): Promise<number> {
  for (let i = 0; i < workers; i++) cluster.fork();
  return new Promise<number>((resolveStop) => {
    let stopping = false;
    const stop = () => {
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    cluster.on('exit', (w, code) => {
      if (!stopping) {
        process.stderr.write(`aare serve: worker ${w.process.pid} exited (${code}); stopping\n`);
        stop();
      }
      if (Object.keys(cluster.workers ?? {}).length === 0) resolveStop(stopping ? 0 : 1);
    });
  });
}

async function serve(o: ServeFlags, quiet: boolean): Promise<void> {
  const { openAppContext } = await import('../../app/index.js');
  const { createServerApp } = await import('../../server/index.js');
  const ctx = openAppContext({ controlRepoDir: o.controlRepo });
  const app = await createServerApp({
    repo: await ctx.repoService(),
    stateDir: ctx.config.stateDir,
    publicUrl: o.url,
    logger: o.log ? true : false,
  });
  const address = await app.listen({ host: o.host, port: Number(o.port) });
  if (!quiet) process.stderr.write(`aare serve: listening on ${address}\n`);
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await app.close();
  await ctx.close();
  // a cluster worker's IPC channel would keep it alive after its server closed
  if (quiet) process.disconnect?.();
}
