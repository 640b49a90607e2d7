// `aare serve`: the HTTP server (repository downloads and API; the web UI joins later).
import type { Command } from 'commander';
import { action, UsageError } from '../cli-run.js';

export function register(program: Command): void {
  program
    .command('serve')
    .description('Serve repositories (/repos/<customer>/<environment>/), the provider key and the API')
    .option('--repo <dir>', 'control repository', '.')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '8080')
    .option('--url <base>', 'public base URL (for URLs in API answers)')
    .option('--log', 'log requests as JSON lines')
    .action(
      action(async (o: { repo: string; host: string; port: string; url?: string; log?: boolean }) => {
        if (!/^\d+$/.test(o.port) || Number(o.port) > 65535)
          throw new UsageError(`--port must be a port number, got '${o.port}'`);
        const { openRepoContext } = await import('../../packaging/index.js');
        const { createServerApp } = await import('../../server/index.js');
        const ctx = await openRepoContext({ root: o.repo });
        const app = await createServerApp({
          repo: ctx.repo,
          stateDir: ctx.stateDir,
          publicUrl: o.url,
          logger: o.log ? true : false,
        });
        const address = await app.listen({ host: o.host, port: Number(o.port) });
        process.stderr.write(`aare serve: listening on ${address}\n`);
        await new Promise<void>((resolveStop) => {
          const stop = () => resolveStop();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await app.close();
        await ctx.close();
      }),
    );
}
