// The repository service over HTTP. Downloads (/repos/<customer>/<environment>/..., /keys/...)
// are answered by `repoDownloadHandler`, which works on raw node:http requests so that the app
// can run it before fastify's routing (the fast path); the same handler also backs fastify routes.
// The JSON API lives under /api/repo/. Uploads are off unless the server was given a token.
import { readFile, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { error } from '../diag/index.js';
import type { Diagnostic, ErrorCode } from '../diag/index.js';
import { PROVIDER_KEY_PATH } from '../model/index.js';
import type { RepoService } from '../repo/index.js';
import { PROBLEM_TYPE, problemOf, sendError } from './http-problem.js';
import { ImmutableFileCache, sendFile } from './static-file-sender.js';
import {
  bearerMatches,
  DEFAULT_MAX_CONCURRENT_UPLOADS,
  DEFAULT_MAX_UPLOAD_BYTES,
  receiveToFile,
  UploadSlots,
  UploadTooLargeError,
} from './upload-gate.js';
import type { UploadOptions } from './upload-gate.js';

export interface RepoRoutesOptions {
  repo: RepoService;
  stateDir: string;
  /** Public base URL: every absolute URL in an answer is built from it, never from the request. */
  publicUrl: string;
  /** Uploads over HTTP, with their token and limits; absent, the upload route answers 403. */
  upload?: UploadOptions;
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
        etagFromContent: true,
        lastModified: false,
      });
      return true;
    }
    if (!path.startsWith('/repos/')) return false;
    if (!isRead(req, res)) return true;
    let parts: string[];
    try {
      parts = path.slice('/repos/'.length).split('/').map(decodeURIComponent);
    } catch {
      sendError(res, 'USAGE', 'malformed URL');
      return true;
    }
    const [customer, environment, area, file, ...extra] = parts;
    if (!customer || !environment || !SAFE_SEGMENT.test(customer) || !SAFE_SEGMENT.test(environment)) {
      sendError(res, 'NOT_FOUND', 'not found');
      return true;
    }
    const dist = await resolve(
      `${customer}/${environment}`,
      area !== 'Packages' && !(area === 'repodata' && /^[0-9a-f]{64}-/.test(file ?? '')),
    );
    if (!dist) {
      sendError(res, 'NOT_FOUND', `no distribution ${customer}/${environment}`);
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
      sendError(res, 'NOT_FOUND', 'not found');
      return true;
    }
    if (area === 'repodata') {
      // only checksummed names are immutable; repomd.xml* follow the distribution, which can move
      // back to an older publication: they are validated by their content's digest alone
      const immutable = file !== 'repomd.xml' && file !== 'repomd.xml.asc' && file !== 'repomd.xml.key';
      await sendFile(
        req,
        res,
        join(dist.dir, 'repodata', file),
        immutable ? { immutable, cache: files } : { etagFromContent: true, lastModified: false },
      );
      return true;
    }
    if (area === 'Packages') {
      const sha = (await indexOf(dist.publicationId, dist.dir)).get(file);
      if (!sha) {
        sendError(res, 'NOT_FOUND', `${file} is not in distribution ${customer}/${environment}`);
        return true;
      }
      // a file name can come back with other content after a removal, and the stored file's time
      // says nothing about when this URL changed: the sha256 is the only validator
      await sendFile(req, res, opts.repo.artifactPath(sha), {
        etag: sha,
        lastModified: false,
        immutable: true,
        contentType: 'application/x-rpm',
        cache: files,
      });
      return true;
    }
    sendError(res, 'NOT_FOUND', 'not found');
    return true;
  };
}

function isRead(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  sendError(res, 'METHOD_NOT_ALLOWED', `${req.method ?? ''} is not allowed here: only GET and HEAD`, {
    allow: 'GET, HEAD',
  });
  return false;
}

function sendDiagnostics(reply: FastifyReply, diagnostics: Diagnostic[]): FastifyReply {
  const p = problemOf(diagnostics);
  return reply.code(p.status).type(PROBLEM_TYPE).send(p);
}

function refuse(reply: FastifyReply, code: ErrorCode, summary: string): FastifyReply {
  return sendDiagnostics(reply, [error(code, summary)]);
}

/** Fastify plugin: the download paths (when the fast path is not in front) and the JSON API. */
export const repoRoutes: FastifyPluginAsync<RepoRoutesOptions> = async (app, opts) => {
  const download = repoDownloadHandler(opts);
  const viaHandler = async (
    req: { raw: IncomingMessage },
    reply: { hijack(): void; raw: ServerResponse },
  ) => {
    reply.hijack();
    if (!(await download(req.raw, reply.raw))) sendError(reply.raw, 'NOT_FOUND', 'not found');
  };
  app.all('/repos/*', viaHandler); // other methods get 405 from the handler
  app.route({ method: ['GET', 'HEAD'], url: PUBLIC_KEY_PATH, handler: viaHandler });

  app.get('/api/repo/repositories', async () => opts.repo.listRepositories());

  app.get<{ Params: { name: string } }>('/api/repo/repositories/:name/versions', async (req, reply) => {
    const r = await opts.repo.versions(req.params.name);
    if (r.diagnostics.length) return sendDiagnostics(reply, r.diagnostics);
    return r.value;
  });

  app.get('/api/repo/distributions', async () =>
    distributionsJson(await opts.repo.distributions(), opts.publicUrl),
  );

  // Upload: the request body is the RPM file itself (Content-Type: application/x-rpm). The
  // parser hands the body over unread; the handler streams it to a file within the limits.
  app.addContentTypeParser(['application/x-rpm', 'application/octet-stream'], (_req, payload, done) => {
    done(null, payload);
  });
  const upload = opts.upload;
  const maxBytes = upload?.maxBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const slots = new UploadSlots(upload?.maxConcurrent ?? DEFAULT_MAX_CONCURRENT_UPLOADS);
  const uploadDir = join(opts.stateDir, 'uploads');
  /** Runs before the body is parsed: nobody without the token gets as far as sending one. */
  const admit = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!upload) {
      return refuse(
        reply,
        'UPLOAD_DISABLED',
        'uploads over HTTP are off on this server (aare serve --allow-upload with a token turns them on)',
      );
    }
    if (!bearerMatches(req.headers.authorization, upload.token)) {
      reply.header('www-authenticate', 'Bearer realm="aare", error="invalid_token"');
      return refuse(reply, 'UPLOAD_UNAUTHORIZED', 'the upload needs Authorization: Bearer <upload token>');
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      // the client announced a body this server will not read: do not wait for it
      reply.header('connection', 'close');
      return refuse(
        reply,
        'UPLOAD_TOO_LARGE',
        `the upload is ${declared} bytes; this server accepts at most ${maxBytes}`,
      );
    }
    return undefined;
  };
  app.post<{ Params: { name: string } }>(
    '/api/repo/repositories/:name/packages',
    { onRequest: admit },
    async (req, reply) => {
      const release = slots.tryAcquire();
      if (!release) {
        reply.header('retry-after', '1');
        return refuse(
          reply,
          'UPLOAD_BUSY',
          `this server handles at most ${slots.max} uploads at once; retry later`,
        );
      }
      // the answer is sent only after the slot is free and the temporary file is gone, so a
      // client that has its answer can upload again at once
      let folder: string | undefined;
      let answer: () => FastifyReply;
      try {
        answer = await receiveAndUpload(req.raw, req.params.name, (f) => (folder = f));
      } finally {
        release();
        if (folder) await rm(folder, { recursive: true, force: true });
      }
      return answer();

      async function receiveAndUpload(
        body: IncomingMessage,
        repository: string,
        received: (folder: string) => void,
      ): Promise<() => FastifyReply> {
        let file: string;
        try {
          const r = await receiveToFile(body, uploadDir, maxBytes);
          received(r.folder);
          file = r.file;
        } catch (err) {
          if (err instanceof UploadTooLargeError) {
            const summary = `the upload is larger than ${maxBytes} bytes, the most this server accepts`;
            return () => refuse(reply, 'UPLOAD_TOO_LARGE', summary);
          }
          // the client went away mid-body: nothing was stored, and nobody reads an answer
          if (!body.complete) {
            return () => refuse(reply, 'USAGE', 'the upload ended before its body was complete');
          }
          throw err;
        }
        const r = await opts.repo.upload(repository, file, 'body');
        const value = r.value;
        if (!value) return () => sendDiagnostics(reply, r.diagnostics);
        return () => reply.code(value.version === undefined ? 200 : 201).send(value);
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
  // a Pulp distribution is served by Pulp's content app, its repomd.xml signed by Pulp's signing
  // service (the key beside it), its packages by the provider's key
  return dists.map((d) => ({
    url: d.url ?? `${base}/repos/${d.basePath}/`,
    customer: d.customer,
    environment: d.environment,
    packages: d.packages,
    gpgkey: d.url ? `${d.url}repodata/repomd.xml.key ${base}${PUBLIC_KEY_PATH}` : `${base}${PUBLIC_KEY_PATH}`,
    snapshot: d.snapshot,
    versions: d.versions,
  }));
}
