// Sends one file over raw node:http: GET and HEAD, single byte ranges, ETag and Last-Modified
// with conditional requests, and a content type by extension. Used by the fast path for
// /repos/ and /keys/, where it runs for every download.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { sendError } from './http-problem.js';

const TYPES: Record<string, string> = {
  '.rpm': 'application/x-rpm',
  '.xml': 'text/xml; charset=utf-8',
  '.gz': 'application/gzip',
  '.zst': 'application/zstd',
  '.asc': 'application/pgp-signature',
  '.key': 'application/pgp-keys',
  '.json': 'application/json; charset=utf-8',
};

export function contentTypeOf(path: string): string {
  const dot = path.lastIndexOf('.');
  return (dot >= 0 && TYPES[path.slice(dot)]) || 'application/octet-stream';
}

export interface SendOptions {
  /** Strong validator to use instead of size+mtime (e.g. an artifact's sha256). */
  etag?: string;
  /**
   * The ETag is the sha256 of the content (read into memory: only for small files). For URLs
   * whose content moves between files, where size and mtime could repeat or go backwards.
   */
  etagFromContent?: boolean;
  /**
   * Send Last-Modified and answer If-Modified-Since (default true). Only for URLs whose content
   * never changes: where a URL can move back to older content, the file's time would tell a
   * client holding the newer content that it is current.
   */
  lastModified?: boolean;
  /** Content that never changes under this URL may be cached for long. */
  immutable?: boolean;
  /** Type for the response when the path's extension does not say it (e.g. content-addressed files). */
  contentType?: string;
  /** Keep small files in memory: only for content that never changes under its path. */
  cache?: ImmutableFileCache;
}

interface CachedFile {
  size: number;
  mtimeMs: number;
  body: Buffer;
}

/**
 * Small immutable files (content-addressed packages, checksummed repodata) kept in memory,
 * least recently used first out, so that the common download costs no file system calls.
 */
export class ImmutableFileCache {
  private readonly files = new Map<string, CachedFile>();
  private bytes = 0;
  constructor(
    private readonly maxBytes = 256 * 1024 * 1024,
    readonly maxFileBytes = 1024 * 1024,
  ) {}

  get(path: string): CachedFile | undefined {
    const f = this.files.get(path);
    if (f) {
      this.files.delete(path);
      this.files.set(path, f);
    }
    return f;
  }

  set(path: string, f: CachedFile): void {
    if (f.size > this.maxFileBytes || this.files.has(path)) return;
    this.files.set(path, f);
    this.bytes += f.size;
    for (const [k, v] of this.files) {
      if (this.bytes <= this.maxBytes) break;
      this.files.delete(k);
      this.bytes -= v.size;
    }
  }
}

const MAX_DIGESTED_BYTES = 1024 * 1024;
const MAX_DIGESTED_FILES = 256;
/** Small files digested for their ETag, keyed by their identity on disk (so never stale). */
const digested = new Map<string, { body: Buffer; digest: string }>();

async function readDigested(
  path: string,
  s: { size: number; mtimeMs: number; ino: number },
): Promise<{ body: Buffer; digest: string }> {
  const key = `${path}\0${s.ino}\0${s.size}\0${s.mtimeMs}`;
  let d = digested.get(key);
  if (!d) {
    const body = await readFile(path);
    d = { body, digest: createHash('sha256').update(body).digest('hex') };
    if (digested.size >= MAX_DIGESTED_FILES) digested.clear();
    digested.set(key, d);
  }
  return d;
}

/** Sends `path`; answers 404 when it does not exist. Never throws for a client's request. */
export async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  opts: SendOptions = {},
): Promise<void> {
  let st: { size: number; mtimeMs: number; body?: Buffer; digest?: string } | undefined =
    opts.cache?.get(path);
  if (!st) {
    try {
      const s = await stat(path);
      if (!s.isFile()) throw new Error('not a file');
      st = { size: s.size, mtimeMs: s.mtimeMs };
      if (opts.etagFromContent && s.size <= MAX_DIGESTED_BYTES) {
        const d = await readDigested(path, s);
        st = { size: d.body.length, mtimeMs: s.mtimeMs, body: d.body, digest: d.digest };
      } else if (opts.cache && s.size <= opts.cache.maxFileBytes) {
        const body = await readFile(path);
        st = { size: body.length, mtimeMs: s.mtimeMs, body };
        opts.cache.set(path, { size: body.length, mtimeMs: s.mtimeMs, body });
      }
    } catch {
      sendError(res, 'NOT_FOUND', 'not found');
      return;
    }
  }
  const etag = `"${opts.etag ?? st.digest ?? `${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}`}"`;
  const lastModified =
    opts.lastModified === false ? undefined : new Date(Math.floor(st.mtimeMs / 1000) * 1000).toUTCString();
  const headers: Record<string, string | number> = {
    'content-type': opts.contentType ?? contentTypeOf(path),
    etag,
    ...(lastModified ? { 'last-modified': lastModified } : {}),
    'accept-ranges': 'bytes',
    'cache-control': opts.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  // RFC 9110 13.2.2: If-None-Match, when present, decides alone
  const inm = req.headers['if-none-match'];
  const ims = req.headers['if-modified-since'];
  if (
    inm
      ? inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')
      : lastModified !== undefined && ims !== undefined && Date.parse(ims) >= Date.parse(lastModified)
  ) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  let start = 0;
  let end = st.size - 1;
  let status = 200;
  const range = req.headers.range;
  const ifRange = req.headers['if-range'];
  if (range && (!ifRange || ifRange === etag || (lastModified !== undefined && ifRange === lastModified))) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (m && (m[1] || m[2])) {
      if (m[1]) {
        start = Number(m[1]);
        end = m[2] ? Math.min(Number(m[2]), st.size - 1) : st.size - 1;
      } else {
        start = Math.max(0, st.size - Number(m[2]));
      }
      if (start > end || start >= st.size) {
        sendError(res, 'RANGE_NOT_SATISFIABLE', `the file has ${st.size} bytes`, {
          'content-range': `bytes */${st.size}`,
        });
        return;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${st.size}`;
    }
    // several ranges or a malformed header: answer with the whole file, as RFC 9110 allows
  }
  headers['content-length'] = st.size === 0 ? 0 : end - start + 1;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || st.size === 0) {
    res.end();
    return;
  }
  if (st.body) {
    res.end(status === 206 ? st.body.subarray(start, end + 1) : st.body);
    return;
  }
  pipeline(createReadStream(path, { start, end, highWaterMark: 256 * 1024 }), res, () => {
    // a client that goes away mid-download is not an error of the server
  });
}
