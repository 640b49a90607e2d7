// The sandbox a customer's spec runs in (docs/security.md, "What a customer's spec can and cannot
// do"). rpmbuild executes the spec's scripts, so everything it runs is the customer's code: it
// runs under bubblewrap with new user, PID, IPC, UTS, network and cgroup namespaces, as an
// unprivileged user (uid 65534 when Aare runs as root), with an environment that holds only what a
// build needs, the system directories read-only, a private /tmp, and this build's tree at /build
// as the only writable place. Aare's state directory, the control repository, the keys and other
// builds are not mounted at all. Without working namespaces the build fails with BUILD_SANDBOX;
// AARE_BUILD_SANDBOX=off (documented for development machines only) runs it unsandboxed.
import { spawn } from 'node:child_process';
import { createWriteStream, lstatSync, readlinkSync } from 'node:fs';
import { chown, lchown, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { error, findOnPath, isSpawnNotFound, toolMissing, DiagnosticsError } from '../diag/index.js';
import type { Diagnostic, ExternalToolName } from '../diag/index.js';

/** The uid and gid a build runs as when Aare runs as root: Debian's `nobody`/`nogroup`. */
export const BUILD_UID = 65534;
/** Where the build tree appears inside the sandbox (also its HOME). */
export const SANDBOX_TREE = '/build';
/** `AARE_BUILD_SANDBOX=off` runs builds without the sandbox (docs/repositories.md). */
export const SANDBOX_ENV = 'AARE_BUILD_SANDBOX';

/** The system directories bound read-only; a symlink (merged /usr) is recreated as a symlink. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc'];

export type SystemEntry = { path: string; kind: 'dir' } | { path: string; kind: 'symlink'; target: string };

export interface SandboxLayout {
  /** The build tree on the host, bound read-write at /build. */
  tree: string;
  /** The system directories as they are on this machine. */
  system: SystemEntry[];
  /** Host paths to cover if they lie under a bound system directory (a directory or a file). */
  hide: { path: string; dir: boolean }[];
  /** The whole environment of the build. */
  env: Record<string, string>;
  /** Drop to BUILD_UID inside (Aare runs as root). */
  unprivileged: boolean;
}

/** The environment of a build whose tree is at `top`: nothing of Aare's own environment. */
export function buildEnv(top: string, sourceDateEpoch: number): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
    HOME: top,
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    TMPDIR: '/tmp',
    SOURCE_DATE_EPOCH: String(sourceDateEpoch),
  };
}

/** The system directories of this machine that exist, as the sandbox recreates them. */
export function systemLayout(): SystemEntry[] {
  const out: SystemEntry[] = [];
  for (const path of SYSTEM_DIRS) {
    try {
      const st = lstatSync(path);
      if (st.isSymbolicLink()) {
        out.push({ path, kind: 'symlink', target: readlinkSync(path) });
      } else if (st.isDirectory()) {
        out.push({ path, kind: 'dir' });
      }
    } catch {
      // absent on this machine (e.g. /lib32): nothing to bind
    }
  }
  return out;
}

/** bwrap's arguments for a command in the sandbox (pure: the layout says what the machine has). */
export function bwrapArgs(layout: SandboxLayout, command: string[]): string[] {
  const args = [
    '--unshare-user',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-net',
    '--unshare-cgroup-try',
    '--hostname',
    'aare-builder',
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
  ];
  if (layout.unprivileged) args.push('--uid', String(BUILD_UID), '--gid', String(BUILD_UID));
  const bound: string[] = [];
  for (const e of layout.system) {
    if (e.kind === 'symlink') {
      args.push('--symlink', e.target, e.path);
    } else {
      args.push('--ro-bind', e.path, e.path);
      bound.push(e.path);
    }
  }
  for (const h of layout.hide) {
    if (!bound.some((b) => h.path === b || h.path.startsWith(b + '/'))) continue;
    if (h.dir) args.push('--tmpfs', h.path);
    else args.push('--ro-bind', '/dev/null', h.path);
  }
  args.push(
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    '--tmpfs',
    '/var/tmp',
    '--bind',
    layout.tree,
    SANDBOX_TREE,
    '--chdir',
    SANDBOX_TREE,
    '--clearenv',
  );
  for (const [k, v] of Object.entries(layout.env)) args.push('--setenv', k, v);
  args.push('--', ...command);
  return args;
}

/** Whether builds run in the bubblewrap sandbox; `off` only where the provider says so. */
export type BuildSandbox = 'on' | 'off';

export interface SandboxRun {
  /** The tool to run (looked up on Aare's PATH; missing is TOOL_MISSING). */
  tool: ExternalToolName;
  /** Its arguments and whole environment, given where the build sees its tree. */
  command: (top: string) => { args: string[]; env: Record<string, string> };
  /** The build tree on the host. */
  tree: string;
  /** Host paths the build must not see even where a system directory holds them. */
  hide: string[];
  logPath: string;
  signal?: AbortSignal;
}

/**
 * Runs the tool in the sandbox (or unsandboxed, with the same empty environment, when the mode is
 * 'off'), its output appended to `logPath`. Returns the exit code, or a diagnostic when the tool or
 * bwrap is missing or bwrap cannot set up the sandbox on this machine (checked by running the tool's
 * `--version` in the same sandbox first, so that a build failure is never mistaken for it).
 */
export async function runSandboxed(
  run: SandboxRun,
  mode: BuildSandbox,
): Promise<{ code: number } | { diagnostics: Diagnostic[] }> {
  const tool = findOnPath(run.tool);
  if (!tool) return { diagnostics: [toolMissing(run.tool)] };
  const root = process.getuid?.() === 0;
  if (mode === 'off') {
    const { args, env } = run.command(run.tree);
    return { code: await runLogged(run.tool, tool, args, run.logPath, env, run.signal, { cwd: run.tree }) };
  }
  const { args, env } = run.command(SANDBOX_TREE);
  const bwrap = findOnPath('bwrap');
  if (!bwrap) return { diagnostics: [toolMissing('bwrap')] };
  if (root) {
    try {
      await chownTree(run.tree, BUILD_UID);
    } catch (err) {
      // root of a user namespace that does not map the build user
      return {
        diagnostics: [
          error(
            'BUILD_SANDBOX',
            `the build tree cannot be given to the build user (uid ${BUILD_UID}): ${(err as Error).message}; ${SANDBOX_ENV}=off builds without the sandbox (docs/security.md)`,
          ),
        ],
      };
    }
  }
  const layout: SandboxLayout = {
    tree: run.tree,
    system: systemLayout(),
    hide: run.hide.map((path) => ({ path, dir: isDir(path) })),
    env,
    unprivileged: root,
  };
  const spawnAs = root ? { uid: BUILD_UID, gid: BUILD_UID } : {};
  const probeLog = `${run.logPath}.sandbox`;
  const probe = await runLogged(
    'bwrap',
    bwrap,
    bwrapArgs(layout, [tool, '--version']),
    probeLog,
    env,
    run.signal,
    spawnAs,
  );
  if (probe !== 0) {
    const why = (await readFile(probeLog, 'utf8').catch(() => '')).trim().split('\n').slice(1).join('\n');
    await rm(probeLog, { force: true });
    return {
      diagnostics: [
        error(
          'BUILD_SANDBOX',
          `the build sandbox (bubblewrap) cannot start on this machine: ${why.split('\n').at(-1) || `exit ${probe}`}; builds need unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0); ${SANDBOX_ENV}=off builds without the sandbox (docs/security.md)`,
          { detail: why },
        ),
      ],
    };
  }
  await rm(probeLog, { force: true });
  const shown = [tool, ...args];
  const code = await runLogged(
    run.tool,
    bwrap,
    bwrapArgs(layout, shown),
    run.logPath,
    env,
    run.signal,
    spawnAs,
    shown,
  );
  return { code };
}

function isDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return true;
  }
}

/** Gives the build tree to the build user; symlinks are changed themselves, never followed. */
async function chownTree(dir: string, id: number): Promise<void> {
  await chown(dir, id, id);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await chownTree(p, id);
    else await lchown(p, id, id);
  }
}

/**
 * Spawns `program` with exactly `env` (not Aare's environment: a sandboxed process can read
 * its ancestors' environment inside the sandbox), output appended to `logPath`, whose first line
 * shows `shown` (the command as the build sees it).
 */
function runLogged(
  tool: ExternalToolName | 'bwrap',
  program: string,
  args: string[],
  logPath: string,
  env: Record<string, string>,
  signal: AbortSignal | undefined,
  extra: { cwd?: string; uid?: number; gid?: number },
  shown: string[] = [program, ...args],
): Promise<number> {
  return new Promise((resolveRun, reject) => {
    const log = createWriteStream(logPath);
    log.write(`$ ${shown.map((a) => (/\s/.test(a) ? `'${a}'` : a)).join(' ')}\n`);
    const child = spawn(program, args, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
      ...extra,
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('error', (err) => {
      log.end();
      reject(isSpawnNotFound(err) ? new DiagnosticsError([toolMissing(tool)]) : err);
    });
    child.on('close', (code) => {
      log.end(() => resolveRun(code ?? 1));
    });
  });
}
