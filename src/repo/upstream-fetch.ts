// HTTP reads of an upstream repository for mirrors: whole small files (repomd.xml, its signature,
// metadata, keys) and package downloads streamed to a file while their sha256 is computed. Every
// failure a user can cause (unreachable server, 404, wrong size or digest) is a diagnostic.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { DiagnosticsError, error } from '../diag/index.js';

const fetchFailed = (url: string, why: string): DiagnosticsError =>
  new DiagnosticsError([error('MIRROR_FETCH', `cannot fetch ${url}: ${why}`, { field: url })]);

async function open(url: string, signal?: AbortSignal): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: 'follow' });
  } catch (err) {
    if (signal?.aborted) throw err;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw fetchFailed(url, cause?.code ?? cause?.message ?? (err as Error).message);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw fetchFailed(url, `HTTP ${res.status}`);
  }
  return res;
}

/** The bytes at `url` (http, https, or file: and plain paths for keys given on the command line). */
export async function fetchBytes(url: string, signal?: AbortSignal): Promise<Buffer> {
  if (!/^https?:\/\//i.test(url)) {
    const path = url.startsWith('file:') ? fileURLToPath(url) : url;
    try {
      return await readFile(path);
    } catch (err) {
      throw fetchFailed(url, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
    }
  }
  const res = await open(url, signal);
  return Buffer.from(await res.arrayBuffer());
}

/**
 * Streams `url` into `file`, calling `onBytes` as data arrives. Returns the sha256 and size of
 * what was written; the caller compares them with what the signed repodata promises.
 */
export async function downloadTo(
  url: string,
  file: string,
  onBytes: (n: number) => void,
  signal?: AbortSignal,
): Promise<{ sha256: string; size: number }> {
  const res = await open(url, signal);
  if (!res.body) throw fetchFailed(url, 'empty answer');
  const hash = createHash('sha256');
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      onBytes(chunk.length);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(res.body as Parameters<typeof Readable.fromWeb>[0]),
      count,
      createWriteStream(file),
      { signal },
    );
  } catch (err) {
    if (signal?.aborted) throw err;
    throw fetchFailed(url, `the download broke off (${(err as Error).message})`);
  }
  return { sha256: hash.digest('hex'), size };
}
