// Reading a file of a tree someone else writes (a control repository, a Hiera datadir): only
// inside the tree, only regular files of bounded size, only UTF-8. A symlink (the file's or a
// folder's on the way) is followed, and where it really leads decides: outside the tree is a
// refusal that names the file and never shows a byte of it. Invalid UTF-8 is refused at its
// line and column instead of becoming U+FFFD, which would change a value silently.
import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';

/** Larger files are refused before they are read (data and templates are far smaller). */
import type { ErrorCode } from '../diag/index.js';

export const MAX_READ_BYTES = 16 * 1024 * 1024;

export type ContainedRead =
  | { text: string }
  | {
      /** missing: not there; outside: resolves out of the tree; encoding: not UTF-8; unreadable: anything else. */
      problem: 'missing' | 'outside' | 'encoding' | 'unreadable';
      /** Says what is wrong with the file without quoting it. */
      reason: string;
      /** Where, for `encoding`. */
      pos?: { line: number; col: number };
    };

/**
 * The error code for a failed read: the shared codes for a file outside the tree and a file that
 * is not UTF-8, else the caller's own code for its kind of file (a missing template, say).
 */
export function readFailureCode(
  problem: Exclude<ContainedRead, { text: string }>['problem'],
  otherwise: ErrorCode,
): ErrorCode {
  return problem === 'outside'
    ? 'FILE_OUTSIDE_CONTROL_REPO'
    : problem === 'encoding'
      ? 'FILE_NOT_UTF8'
      : otherwise;
}

/** The real path of a tree's root, for readContainedText (computed once per tree). */
export function realRoot(root: string): string {
  try {
    return realpathSync.native(root);
  } catch {
    return resolve(root);
  }
}

export function isInside(realPath: string, root: string): boolean {
  return realPath === root || realPath.startsWith(root.endsWith(sep) ? root : root + sep);
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads `file` as UTF-8 text if its real path is inside `root` (a realRoot). Never throws for
 * what the file is or where it leads; the reason never contains the file's content.
 */
export function readContainedText(file: string, root: string): ContainedRead {
  let real: string;
  try {
    real = realpathSync.native(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { problem: 'missing', reason: 'does not exist' };
    if (code === 'ELOOP') return { problem: 'unreadable', reason: 'is a symlink loop' };
    return { problem: 'unreadable', reason: `cannot be read (${code ?? 'error'})` };
  }
  if (!isInside(real, root)) {
    return { problem: 'outside', reason: `resolves to ${real}, outside ${root}` };
  }
  let fd: number;
  try {
    fd = openSync(real, 'r');
  } catch (e) {
    return {
      problem: 'unreadable',
      reason: `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    };
  }
  try {
    const st = fstatSync(fd);
    // a FIFO or a device would block or never end
    if (!st.isFile()) return { problem: 'unreadable', reason: 'is not a regular file' };
    if (st.size > MAX_READ_BYTES) {
      return {
        problem: 'unreadable',
        reason: `is ${st.size} bytes, more than the ${MAX_READ_BYTES} allowed`,
      };
    }
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
    }
    const bytes = buf.subarray(0, got);
    try {
      return { text: decoder.decode(bytes) };
    } catch {
      return { problem: 'encoding', reason: 'is not valid UTF-8', pos: utf8ErrorPos(bytes) };
    }
  } finally {
    closeSync(fd);
  }
}

/** Line and column (in characters) of the first byte that is not valid UTF-8. */
export function utf8ErrorPos(buf: Uint8Array): { line: number; col: number } {
  const bad = invalidUtf8Offset(buf);
  let lineStart = 0;
  let line = 1;
  for (let i = 0; i < bad; i++) {
    if (buf[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const before = decoder.decode(buf.subarray(lineStart, bad));
  return { line, col: [...before].length + 1 };
}

function invalidUtf8Offset(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if (need === 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    const b1 = buf[i + 1]!;
    // overlong forms, UTF-16 surrogates and code points above U+10FFFF
    if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 > 0x9f)) return i;
    if ((b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 > 0x8f)) return i;
    i += need + 1;
  }
  return buf.length;
}
