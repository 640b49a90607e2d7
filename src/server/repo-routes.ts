// The repository service over HTTP. Downloads (/repos/<customer>/<environment>/..., /keys/...)
// are answered by `repoDownloadHandler`, which works on raw node:http requests so that the app
// can run it before fastify's routing (the fast path); the same handler also backs fastify routes.
// The JSON API lives under /api/repo/.
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyPluginAsync } from 'fastify';
import { httpStatusOf } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';
import { PROVIDER_KEY_PATH } from '../model/index.js';
import type { RepoService } from '../repo/index.js';
import { ImmutableFileCache, sendError, sendFile } from './static-file-sender.js';

export interface RepoRoutesOptions {
  repo: RepoService;
  stateDir: string;
  /** Public base URL, for the URLs in /api/repo/distributions (default: from the request's Host). */
  publicUrl?: string;
  /** Largest accepted upload, in bytes (default 2 GiB). */
  maxUploadBytes?: number;
}

/** The provider's public key as `aare serve` serves it; clients use it as `gpgkey`. */
export const PUBLIC_KEY_PATH = PROVIDER_KEY_PATH;

const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._+~-]*$/;
const MAX_CACHED_PUBLICATIONS = 256;

/**
 * Returns a handler for GET/HEAD requests under /repos/ and /keys/. It resolves true when it
 * answered the request, false when the URL is not one of its paths.
 */
export function repoDownloadHandler(opts: RepoRoutesOptions) {
  // publication id -> filename -> sha256; publications never change, so this never goes stale
  const packageIndex = new Map<number, Map<string, string>>();
  const files = new ImmutableFileCache();
  // distribution -> publication, reused for a second for package and checksummed repodata
  // downloads only: repomd.xml* always reads the row, so a client sees a move at once, and a
  // package of the previous publication stays downloadable for at most that second.
  const recent = new Map<string, { at: number; dist: { publicationId: number; dir: string } | undefined }>();
  const resolve = async (basePath: string, fresh: boolean) => {
    const now = Date.now();
    const hit = recent.get(basePath);
    if (!fresh && hit && now - hit.at < 1000) return hit.dist;
    const dist = await opts.repo.resolveDistribution(basePath);
    if (recent.size > 10_000) recent.clear();
    recent.set(basePath, { at: now, dist });
    return dist;
  };
  const indexOf = async (publicationId: number, dir: string): Promise<Map<string, string>> => {
    let m = packageIndex.get(publicationId);
    if (!m) {
      const json = JSON.parse(await readFile(join(dir, 'packages.json'), 'utf8')) as Record<string, string>;
      m = new Map(Object.entries(json));
      if (packageIndex.size >= MAX_CACHED_PUBLICATIONS) packageIndex.clear();
      packageIndex.set(publicationId, m);
    }
    return m;
  };
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    if (path === PUBLIC_KEY_PATH) {
      if (!isRead(req, res)) return true;
      await sendFile(req, res, join(opts.stateDir, 'keys', 'provider.asc'), {
        contentType: 'application/pgp-keys',
      });
      return true;
    }
    if (!path.startsWith('/repos/')) return false;
    if (!isRead(req, res)) return true;
    let parts: string[];
    try {
      parts = path.slice('/repos/'.length).split('/').map(decodeURIComponent);
    } catch {
      sendError(res, 400, 'malformed URL');
      return true;
    }
    const [customer, environment, area, file, ...extra] = parts;
    if (!customer || !environment || !SAFE_SEGMENT.test(customer) || !SAFE_SEGMENT.test(environment)) {
      sendError(res, 404, 'not found');
      return true;
    }
    const dist = await resolve(
      `${customer}/${environment}`,
      area !== 'Packages' && !(area === 'repodata' && /^[0-9a-f]{64}-/.test(file ?? '')),
    );
    if (!dist) {
      sendError(res, 404, `no distribution ${customer}/${environment}`);
      return true;
    }
    if (area === undefined || (area === '' && file === undefined)) {
      const body = `Aare distribution ${customer}/${environment}: use it as a dnf baseurl.\n`;
      res.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    }
    if (extra.length || !file || !SAFE_SEGMENT.test(file)) {
      sendError(res, 404, 'not found');
      return true;
    }
    if (area === 'repodata') {
      const immutable = file !== 'repomd.xml' && file !== 'repomd.xml.asc' && file !== 'repomd.xml.key';
      await sendFile(
        req,
        res,
        join(dist.dir, 'repodata', file),
        immutable ? { immutable, cache: files } : {},
      );
      return true;
    }
    if (area === 'Packages') {
      const sha = (await indexOf(dist.publicationId, dist.dir)).get(file);
      if (!sha) {
        sendError(res, 404, `${file} is not in distribution ${customer}/${environment}`);
        return true;
      }
      await sendFile(req, res, opts.repo.artifactPath(sha), {
        etag: sha,
        immutable: true,
        contentType: 'application/x-rpm',
        cache: files,
      });
      return true;
    }
    sendError(res, 404, 'not found');
    return true;
  };
}

function isRead(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  res.setHeader('allow', 'GET, HEAD');
  sendError(res, 405, 'method not allowed');
  return false;
}

function diagnosticsReply(diagnostics: Diagnostic[]) {
  const status = Math.max(...diagnostics.map((d) => httpStatusOf(d.code)));
  return { status, body: { errors: diagnostics } };
}

/** Fastify plugin: the download paths (when the fast path is not in front) and the JSON API. */
export const repoRoutes: FastifyPluginAsync<RepoRoutesOptions> = async (app, opts) => {
  const download = repoDownloadHandler(opts);
  const viaHandler = async (
    req: { raw: IncomingMessage },
    reply: { hijack(): void; raw: ServerResponse },
  ) => {
    reply.hijack();
    if (!(await download(req.raw, reply.raw))) sendError(reply.raw, 404, 'not found');
  };
  app.all('/repos/*', viaHandler); // other methods get 405 from the handler
  app.route({ method: ['GET', 'HEAD'], url: PUBLIC_KEY_PATH, handler: viaHandler });

  app.get('/api/repo/repositories', async () => opts.repo.listRepositories());

  app.get<{ Params: { name: string } }>('/api/repo/repositories/:name/versions', async (req, reply) => {
    const r = await opts.repo.versions(req.params.name);
    if (r.diagnostics.length) {
      const { status, body } = diagnosticsReply(r.diagnostics);
      return reply.code(status).send(body);
    }
    return r.value;
  });

  app.get('/api/repo/distributions', async (req) => {
    const base = opts.publicUrl ?? `${req.protocol}://${req.headers.host ?? 'localhost'}`;
    return distributionsJson(await opts.repo.distributions(), base);
  });

  // Upload: the request body is the RPM file itself (Content-Type: application/x-rpm).
  app.addContentTypeParser(['application/x-rpm', 'application/octet-stream'], (_req, payload, done) => {
    done(null, payload);
  });
  app.post<{ Params: { name: string } }>(
    '/api/repo/repositories/:name/packages',
    { bodyLimit: opts.maxUploadBytes ?? 2 * 1024 ** 3 },
    async (req, reply) => {
      const dir = await mkdtemp(join(tmpdir(), 'aare-upload-'));
      try {
        const file = join(dir, 'upload.rpm');
        await pipeline(req.body as NodeJS.ReadableStream, createWriteStream(file));
        const r = await opts.repo.upload(req.params.name, file, 'body');
        if (!r.value) {
          const { status, body } = diagnosticsReply(r.diagnostics);
          return reply.code(status).send(body);
        }
        return reply.code(r.value.version === undefined ? 200 : 201).send(r.value);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
};

/** The shape `aare repo distributions --json` prints and /api/repo/distributions returns. */
export function distributionsJson(
  dists: Awaited<ReturnType<RepoService['distributions']>>,
  baseUrl: string,
): {
  url: string;
  customer: string;
  environment: string;
  packages: string[];
  gpgkey: string;
  snapshot: string | null;
  versions: Record<string, number>;
}[] {
  const base = baseUrl.replace(/\/+$/, '');
  return dists.map((d) => ({
    url: `${base}/repos/${d.basePath}/`,
    customer: d.customer,
    environment: d.environment,
    packages: d.packages,
    gpgkey: `${base}${PUBLIC_KEY_PATH}`,
    snapshot: d.snapshot,
    versions: d.versions,
  }));
}
