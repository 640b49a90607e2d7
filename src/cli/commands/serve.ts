// `aare serve`: the HTTP server (repository downloads, the API and the portal, docs/portal.md).
import type { Command } from 'commander';
import { action, UsageError } from '../cli-run.js';
import { oidcSettingError, portalOidcSettings } from '../../app/index.js';
import type { AppConfig, AppContext, OidcSetting } from '../../app/index.js';
import { controlRepoFlag, repoAliasFlag, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';
import type { OidcOptions } from '../../server/index.js';

interface ServeFlags extends ControlRepoFlags {
  host: string;
  port: string;
  url?: string;
  log?: boolean;
  workers: string;
  allowUpload?: boolean;
  uploadTokenFile?: string;
  maxUploadSize: string;
  maxConcurrentUploads: string;
  oidcIssuer?: string;
  oidcClientId?: string;
  oidcClientSecretFile?: string;
  oidcClaim?: string;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('Serve repositories (/repos/<customer>/<environment>/), the provider key and the API')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '8080')
    .option(
      '--url <base>',
      'public base URL for URLs in answers (default: AARE_SERVE_URL, else endpoints.repository.baseUrl in aare.yaml)',
    )
    .option('--workers <n>', 'processes that share the port (node:cluster); a dead one is restarted', '1')
    .option('--allow-upload', 'accept uploads over HTTP from clients holding the upload token')
    .option('--upload-token-file <file>', 'file holding the upload token (default: AARE_UPLOAD_TOKEN)')
    .option('--max-upload-size <size>', 'largest accepted upload (bytes, or with K, M, G)', '1G')
    .option('--max-concurrent-uploads <n>', 'uploads one process handles at once; more are answered 429', '2')
    .option('--log', 'log requests as JSON lines')
    .option('--oidc-issuer <url>', "the portal's OpenID Connect provider (docs/portal.md)")
    .option('--oidc-client-id <id>', "the portal's client id at the provider")
    .option(
      '--oidc-client-secret-file <file>',
      'file holding the client secret (default: AARE_OIDC_CLIENT_SECRET)',
    )
    .option(
      '--oidc-claim <claim>',
      "the ID token claim matched against a user's --oidc-subject (default: sub)",
    )
    .action(
      action(async (o: ServeFlags) => {
        if (!/^\d+$/.test(o.port) || Number(o.port) > 65535)
          throw new UsageError(`--port must be a port number, got '${o.port}'`);
        if (!/^[1-9]\d*$/.test(o.workers))
          throw new UsageError(`--workers must be a positive number, got '${o.workers}'`);
        const workers = Number(o.workers);
        const cluster = (await import('node:cluster')).default;
        // One app context per process: the primary's (or the single process's), and each
        // node:cluster worker, a process of its own, opens its own when it runs this action.
        const code = await withApp(o, async (app) => {
          // checked before any worker starts, so that a mistake is one message, not one per worker
          const upload = await uploadOptions(o, app.config.uploadToken);
          const publicUrl = checkedBaseUrl(o.url ?? (await app.repositoryBaseUrl()));
          const oidc = await oidcOptions(o, app.config);
          if (workers > 1 && cluster.isPrimary) return supervise(cluster, workers);
          await serve(app, o, { publicUrl, upload, oidc }, cluster.isWorker);
          return undefined;
        });
        // a cluster worker's IPC channel would keep it alive after its server closed
        if (cluster.isWorker) process.disconnect?.();
        return code;
      }),
    );
}

const MIN_TOKEN_LENGTH = 16;

/**
 * The portal's OpenID Connect settings: aare.yaml's `portal.oidc`, each overridden by its flag
 * (and the client secret by AARE_OIDC_CLIENT_SECRET); undefined when neither names a provider
 * (local passwords only). A bad flag is a usage error; a bad aare.yaml value a diagnostic at it.
 */
async function oidcOptions(o: ServeFlags, config: AppConfig): Promise<OidcOptions | undefined> {
  const yaml = portalOidcSettings(config);
  const issuer: OidcSetting | undefined = o.oidcIssuer !== undefined ? { value: o.oidcIssuer } : yaml.issuer;
  const clientId: OidcSetting | undefined =
    o.oidcClientId !== undefined ? { value: o.oidcClientId } : yaml.clientId;
  const claim: OidcSetting | undefined = o.oidcClaim !== undefined ? { value: o.oidcClaim } : yaml.claim;
  if (issuer === undefined && clientId === undefined) return undefined;
  const fail = (setting: OidcSetting, field: string, flagText: string, yamlText: string): never => {
    throw oidcSettingError(field, setting, yamlText) ?? new UsageError(flagText);
  };
  if (issuer === undefined || clientId === undefined) {
    const given = (issuer ?? clientId)!;
    return fail(
      given,
      issuer ? 'issuer' : 'clientId',
      '--oidc-issuer and --oidc-client-id go together',
      'issuer and clientId go together',
    );
  }
  let url: URL | undefined;
  try {
    url = new URL(issuer.value);
  } catch {
    url = undefined;
  }
  if (!url)
    return fail(
      issuer,
      'issuer',
      `--oidc-issuer '${issuer.value}' is not a URL`,
      `'${issuer.value}' is not a URL`,
    );
  if (
    url.protocol !== 'https:' &&
    !(url.protocol === 'http:' && /^(127\.0\.0\.1|localhost|\[::1\])$/.test(url.hostname))
  )
    return fail(
      issuer,
      'issuer',
      '--oidc-issuer must be https (http only on a loopback address)',
      'must be https (http only on a loopback address)',
    );
  let secret = process.env.AARE_OIDC_CLIENT_SECRET;
  if (o.oidcClientSecretFile !== undefined) {
    const { readFile } = await import('node:fs/promises');
    try {
      secret = (await readFile(o.oidcClientSecretFile, 'utf8')).trim();
    } catch (err) {
      throw new UsageError(
        `--oidc-client-secret-file: cannot read ${o.oidcClientSecretFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  } else if (!secret && yaml.clientSecret) {
    secret = await yaml.clientSecret();
  }
  if (!secret)
    return fail(
      issuer,
      'issuer',
      '--oidc-issuer needs the client secret: --oidc-client-secret-file FILE or AARE_OIDC_CLIENT_SECRET',
      'the provider needs the client secret: portal.oidc.clientSecret (env:VAR or file:path)',
    );
  return {
    issuer: issuer.value,
    clientId: clientId.value,
    clientSecret: secret,
    claim: claim?.value ?? 'sub',
  };
}

/** The portal bundle beside the CLI bundle (dist/web), or undefined when it was not built. */
async function portalDir(): Promise<string | undefined> {
  const { existsSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  // dist/<chunk>.mjs when bundled; src/cli/commands/serve.ts under tsx
  for (const rel of ['./web/', '../../../dist/web/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return undefined;
}

/** The upload settings from the flags, or undefined when uploads over HTTP stay off. */
async function uploadOptions(
  o: ServeFlags,
  envToken: string | undefined,
): Promise<{ token: string; maxBytes: number; maxConcurrent: number } | undefined> {
  const maxBytes = parseSize('--max-upload-size', o.maxUploadSize);
  if (!/^[1-9]\d*$/.test(o.maxConcurrentUploads))
    throw new UsageError(
      `--max-concurrent-uploads must be a positive number, got '${o.maxConcurrentUploads}'`,
    );
  if (!o.allowUpload) return undefined;
  let token: string | undefined;
  if (o.uploadTokenFile) {
    const { readFile } = await import('node:fs/promises');
    try {
      token = (await readFile(o.uploadTokenFile, 'utf8')).trim();
    } catch (err) {
      throw new UsageError(
        `--upload-token-file: cannot read ${o.uploadTokenFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  } else {
    token = envToken;
  }
  if (!token) {
    throw new UsageError('--allow-upload needs a token: --upload-token-file FILE or AARE_UPLOAD_TOKEN');
  }
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new UsageError(
      `the upload token must be at least ${MIN_TOKEN_LENGTH} characters without spaces (e.g. openssl rand -hex 32)`,
    );
  }
  return { token, maxBytes, maxConcurrent: Number(o.maxConcurrentUploads) };
}

function parseSize(option: string, value: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(value);
  const unit = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(m?.[2] ?? '').toUpperCase() as 'K'];
  if (!m || Number(m[1]) === 0)
    throw new UsageError(`${option} must be a size like 512M or 1G, got '${value}'`);
  return Number(m[1]) * unit;
}

/**
 * The primary of a cluster: starts the workers and restarts one that dies, so the others keep
 * serving meanwhile. A worker that dies before it ever listened is a start-up failure (port in
 * use, bad configuration) that a restart would repeat: then all stop, with exit code 1.
 */
async function supervise(cluster: typeof import('node:cluster').default, workers: number): Promise<number> {
  const listened = new Set<number>();
  cluster.on('listening', (w, address) => {
    listened.add(w.id);
    const host = address.address?.includes(':') ? `[${address.address}]` : (address.address ?? '');
    process.stderr.write(`aare serve: worker ${w.process.pid} listening on http://${host}:${address.port}\n`);
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  return new Promise<number>((resolveStop) => {
    let stopping = false;
    let failed = false;
    let restarts: number[] = [];
    const stop = () => {
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    cluster.on('exit', (w, code, signal) => {
      const why = signal ?? `exit code ${code}`;
      if (!stopping && !listened.has(w.id)) {
        process.stderr.write(`aare serve: worker ${w.process.pid} failed to start (${why}); stopping\n`);
        failed = true;
        stop();
      } else if (!stopping) {
        // a worker that keeps dying is restarted at most once a second on average
        const now = Date.now();
        restarts = restarts.filter((at) => now - at < 60_000);
        const delay = restarts.length >= 60 ? 1_000 : 0;
        restarts.push(now);
        process.stderr.write(`aare serve: worker ${w.process.pid} died (${why}); starting another\n`);
        setTimeout(() => {
          if (!stopping) cluster.fork();
        }, delay);
      }
      listened.delete(w.id);
      if (stopping && Object.keys(cluster.workers ?? {}).length === 0) resolveStop(failed ? 1 : 0);
    });
  });
}

async function serve(
  ctx: AppContext,
  o: ServeFlags,
  settings: {
    publicUrl: string;
    upload: Awaited<ReturnType<typeof uploadOptions>>;
    oidc: OidcOptions | undefined;
  },
  quiet: boolean,
): Promise<void> {
  const { createServerApp } = await import('../../server/index.js');
  const { publicUrl, upload, oidc } = settings;
  const webDir = await portalDir();
  const app = await createServerApp({
    repo: await ctx.repoService(),
    stateDir: ctx.config.stateDir,
    publicUrl,
    upload,
    logger: o.log ? true : false,
    api: { app: ctx },
    portal: { ...(webDir ? { webDir } : {}), ...(oidc ? { oidc } : {}) },
  });
  const address = await app.listen({ host: o.host, port: Number(o.port) });
  const freezes = await (await import('../serve-freeze.js')).scheduleFreezes(ctx);
  if (!quiet) {
    process.stderr.write(`aare serve: listening on ${address} (public URL ${publicUrl})\n`);
    if (!webDir)
      process.stderr.write('aare serve: no portal bundle (node scripts/build.mjs): only /auth and the API\n');
    if (upload) process.stderr.write('aare serve: uploads over HTTP are on (bearer token)\n');
  }
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await freezes.stop();
  await app.close();
}

/** An absolute http(s) URL without query or fragment, without its trailing slash. */
function checkedBaseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`the public base URL '${url}' is not a URL`);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.search || u.hash || u.username) {
    throw new UsageError(`the public base URL '${url}' must be http(s)://host[:port][/path], nothing more`);
  }
  return url.replace(/\/+$/, '');
}
