// Reading files and folders of the control repository, and nothing outside it. Whoever may write
// the control repository may not thereby make Aare read other files of the machine (keys, the
// state directory, /etc/shadow) into diagnostics, user-data or anything else: every path is
// resolved through its symbolic links first, and only what lies inside the repository is read.
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { readlinkSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, posix, sep } from 'node:path';
import { error } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';
import { pos1 } from './yaml-file.js';

/** What reading one file of the control repository gave: its text, or why not. */
export type ControlRepoRead =
  | { text: string; realPath: string }
  | {
      diagnostic: Diagnostic;
      /** The path does not exist at all (not even as a dangling symbolic link). */
      missing?: true;
    };

/** A folder entry, with symbolic links inside the repository followed to what they name. */
export interface ControlRepoEntry {
  name: string;
  /** Path relative to the repository root, `/` separators. */
  rel: string;
  kind: 'file' | 'dir' | 'other';
  /** Real path, symbolic links resolved. */
  realPath: string;
}

/**
 * Reads `relPath` (relative to the control repository `root`, `/` separators) as UTF-8 text,
 * under the rules every module that reads the control repository must follow:
 *
 * - The path is resolved through its symbolic links (`realpath`). A file or folder on the way
 *   whose real path is outside the real path of `root` is an error naming the file and where it
 *   points; it is never opened, so nothing of its contents can reach a diagnostic. A symbolic
 *   link from one place in the repository to another is fine.
 * - A dangling symbolic link is an error naming it and its target, never taken as "no file".
 * - Only a regular file is read (a FIFO or device would block or never end).
 * - The bytes must be UTF-8: the first invalid byte is an error at its line and column, never
 *   replaced by U+FFFD. A byte order mark is kept, as the YAML reader expects.
 *
 * Never throws for what is on disk; the diagnostic's source is `relPath` (line 1, or the
 * position of an invalid byte). `missing` is set when the path does not exist, so a caller can
 * say what that file is for.
 */
export function readControlRepoFile(root: string, relPath: string): ControlRepoRead {
  const resolved = resolveControlRepoPath(root, relPath);
  if ('diagnostic' in resolved) return resolved;
  if (resolved.kind !== 'file')
    return {
      diagnostic: error('REPO_FILE_MISSING', `${relPath} is not a regular file`, { source: pos1(relPath) }),
    };
  let bytes: Buffer;
  try {
    // O_NOFOLLOW: the real path's last part must not have become a link since it was resolved
    const fd = openSync(
      resolved.realPath,
      constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0),
    );
    try {
      if (!fstatSync(fd).isFile())
        return {
          diagnostic: error('REPO_FILE_MISSING', `${relPath} is not a regular file`, {
            source: pos1(relPath),
          }),
        };
      bytes = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    return { diagnostic: ioError(relPath, err) };
  }
  const decoded = decodeUtf8(relPath, bytes);
  if ('diagnostic' in decoded) return decoded;
  return { text: decoded.text, realPath: resolved.realPath };
}

/**
 * The entries of the folder `relDir`, sorted by name, symbolic links followed: an entry that
 * points outside the repository, or nowhere, is reported into `diagnostics` and left out
 * (except a link outside to something that is neither a folder nor a `.yaml`/`.yml` file:
 * nothing would read it). A folder that does not exist has no entries.
 */
export function listControlRepoDir(
  root: string,
  relDir: string,
  diagnostics: Diagnostic[],
): ControlRepoEntry[] {
  const dir = resolveControlRepoPath(root, relDir);
  if ('diagnostic' in dir) {
    if (!dir.missing) diagnostics.push(dir.diagnostic);
    return [];
  }
  if (dir.kind !== 'dir') {
    diagnostics.push(error('REPO_FILE_MISSING', `${relDir} is not a folder`, { source: pos1(relDir) }));
    return [];
  }
  let names: string[];
  try {
    names = readdirSync(dir.realPath).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  } catch (err) {
    diagnostics.push(ioError(relDir, err));
    return [];
  }
  const out: ControlRepoEntry[] = [];
  for (const name of names) {
    const rel = posix.join(relDir, name);
    const entry = resolveControlRepoPath(root, rel);
    if ('diagnostic' in entry) {
      if (entry.outside && entry.outside.kind !== 'dir' && !/\.ya?ml$/.test(name)) continue;
      if (!entry.missing) diagnostics.push(entry.diagnostic);
      continue;
    }
    out.push({ name, rel, kind: entry.kind, realPath: entry.realPath });
  }
  return out;
}

type Resolved =
  | { realPath: string; kind: ControlRepoEntry['kind'] }
  | { diagnostic: Diagnostic; missing?: true; outside?: { kind: ControlRepoEntry['kind'] } };

/**
 * Resolves `relPath` through its symbolic links and says what is there; a path whose real path
 * is outside the repository is an error (`outside` says what it is), and is never opened.
 */
export function resolveControlRepoPath(root: string, relPath: string): Resolved {
  if (isAbsolute(relPath) || posix.normalize(relPath).startsWith('../') || posix.normalize(relPath) === '..')
    return {
      diagnostic: error(
        'FILE_OUTSIDE_CONTROL_REPO',
        `${relPath} is not a path inside the control repository`,
        {
          source: pos1(relPath),
        },
      ),
    };
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return { diagnostic: ioError(relPath, err) };
    return {
      diagnostic: error('REPO_FILE_MISSING', `${relPath} is missing`, { source: pos1(relPath) }),
      missing: true,
    };
  }
  const abs = join(root, relPath);
  let realPath: string;
  try {
    realPath = realpathSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      // nothing there, or a link (on the way) to nothing: only the second is a mistake to name
      const link = danglingLink(root, relPath);
      if (!link)
        return {
          diagnostic: error('REPO_FILE_MISSING', `${relPath} is missing`, { source: pos1(relPath) }),
          missing: true,
        };
      return {
        diagnostic: error(
          'REPO_FILE_MISSING',
          `${link.rel} is a symbolic link to ${link.target}, which does not exist`,
          { source: pos1(relPath) },
        ),
      };
    }
    if (code === 'ELOOP')
      return {
        diagnostic: error('REPO_FILE_MISSING', `${relPath} is a loop of symbolic links`, {
          source: pos1(relPath),
        }),
      };
    return { diagnostic: ioError(relPath, err) };
  }
  const kind = kindOf(realPath);
  const prefix = realRoot.endsWith(sep) ? realRoot : realRoot + sep;
  if (realPath !== realRoot && !realPath.startsWith(prefix))
    return {
      diagnostic: error(
        'FILE_OUTSIDE_CONTROL_REPO',
        `${relPath} points outside the control repository (to ${realPath}): Aare reads only files inside it`,
        { source: pos1(relPath) },
      ),
      outside: { kind },
    };
  return { realPath, kind };
}

function kindOf(realPath: string): ControlRepoEntry['kind'] {
  const st = statSync(realPath, { throwIfNoEntry: false });
  return st?.isFile() ? 'file' : st?.isDirectory() ? 'dir' : 'other';
}

/** The first part of `relPath` that is a symbolic link to nothing, with its target. */
function danglingLink(root: string, relPath: string): { rel: string; target: string } | undefined {
  const parts = relPath.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const rel = parts.slice(0, i).join('/');
    let target: string;
    try {
      target = readlinkSync(join(root, rel));
    } catch {
      continue; // not a link (or not there): look further along
    }
    if (!statSync(join(root, rel), { throwIfNoEntry: false })) return { rel, target };
  }
  return undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeUtf8(relPath: string, bytes: Buffer): { text: string } | { diagnostic: Diagnostic } {
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    const bad = firstInvalidUtf8(bytes);
    // everything before the bad byte is valid: its text gives the line and column
    const before = utf8.decode(bytes.subarray(0, bad));
    const line = before.split('\n').length;
    const col = before.length - before.lastIndexOf('\n');
    const byte = `0x${(bytes[bad] ?? 0).toString(16).toUpperCase().padStart(2, '0')}`;
    return {
      diagnostic: error(
        'FILE_NOT_UTF8',
        `${relPath} is not UTF-8: byte ${byte} is not valid here (save the file as UTF-8)`,
        { source: { file: relPath, start: { line, col } } },
      ),
    };
  }
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (RFC 3629), or the length. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0; // overlong
      if (b === 0xed) hi = 0x9f; // surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90; // overlong
      if (b === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}

function ioError(relPath: string, err: unknown): Diagnostic {
  const message = err instanceof Error ? err.message : String(err);
  return error('IO_ERROR', `cannot read ${relPath}: ${message}`, { source: pos1(relPath) });
}
