// What an upload must pass before the repository service sees it: a bearer token compared in
// constant time, a free slot among a fixed number of concurrent uploads, and a body no larger
// than the limit, streamed to a temporary file of its own (never buffered in memory).
import { createHash, timingSafeEqual } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { finished, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface UploadOptions {
  /** The bearer token every upload must carry (`Authorization: Bearer <token>`). */
  token: string;
  /** Largest accepted body, in bytes (default {@link DEFAULT_MAX_UPLOAD_BYTES}). */
  maxBytes?: number;
  /** Uploads handled at once; more are answered 429 (default {@link DEFAULT_MAX_CONCURRENT_UPLOADS}). */
  maxConcurrent?: number;
}

export const DEFAULT_MAX_UPLOAD_BYTES = 1024 ** 3;
export const DEFAULT_MAX_CONCURRENT_UPLOADS = 2;

/** The body grew past the limit while it was being received. */
export class UploadTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the upload is larger than ${limit} bytes`);
    this.name = 'UploadTooLargeError';
  }
}

/**
 * True when `authorization` is `Bearer <token>`. Both sides are hashed first, so the comparison
 * takes the same time whatever the length or the first differing byte of the guess.
 */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  const m = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const ok = timingSafeEqual(digest(m?.[1] ?? ''), digest(token));
  return ok && m !== null;
}

/** A counter of uploads in progress; `tryAcquire` never waits. */
export class UploadSlots {
  private active = 0;
  constructor(readonly max: number) {}
  tryAcquire(): (() => void) | undefined {
    if (this.active >= this.max) return undefined;
    this.active++;
    let released = false;
    return () => {
      if (!released) this.active--;
      released = true;
    };
  }
}

/**
 * Streams `body` into a new file under `dir`; throws {@link UploadTooLargeError} as soon as more
 * than `maxBytes` arrived. The caller removes the returned folder when done. The rest of a body
 * that is too large is read and dropped, so the client gets its 413 on an open connection.
 */
export async function receiveToFile(
  body: IncomingMessage,
  dir: string,
  maxBytes: number,
): Promise<{ folder: string; file: string; bytes: number }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const folder = await mkdtemp(join(dir, `upload-${process.pid}-`));
  const file = join(folder, 'upload.rpm');
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) done(new UploadTooLargeError(maxBytes));
      else done(null, chunk);
    },
  });
  // body is piped, not part of the pipeline, so that a refusal does not destroy the socket
  const stopWatching = finished(body, (err) => {
    if (err) limit.destroy(err);
  });
  body.pipe(limit);
  try {
    await pipeline(limit, createWriteStream(file, { mode: 0o600 }));
  } catch (err) {
    body.unpipe(limit);
    body.resume();
    await rm(folder, { recursive: true, force: true });
    throw err;
  } finally {
    stopWatching();
  }
  return { folder, file, bytes };
}
