import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the lab keeps its state unless AARE_LAB_STATE says otherwise. */
export const DEFAULT_LAB_STATE = '/var/tmp/aare-lab';

export interface LabPaths {
  /** The project's `lab/` folder (scripts). */
  labDir: string;
  /** The state folder: one sub-folder per service. */
  stateDir: string;
}

/** Finds `lab/` (AARE_LAB_DIR, else upwards from this file) and the state dir (AARE_LAB_STATE). */
export function labPaths(env: NodeJS.ProcessEnv = process.env): LabPaths {
  const stateDir = resolve(env.AARE_LAB_STATE || DEFAULT_LAB_STATE);
  if (env.AARE_LAB_DIR) return { labDir: resolve(env.AARE_LAB_DIR), stateDir };
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'lab', 'lib', 'common.sh'))) return { labDir: join(dir, 'lab'), stateDir };
    if (dirname(dir) === dir) break;
  }
  throw new Error(
    'cannot find the lab scripts (lab/lib/common.sh) above the aare installation; set AARE_LAB_DIR',
  );
}

/** The services `lab up` starts by default, in order (lab/services), then any other lab/<x>/start.sh. */
export function labServiceNames(paths: LabPaths): string[] {
  const listed = existsSync(join(paths.labDir, 'services'))
    ? readFileSync(join(paths.labDir, 'services'), 'utf8')
        .split('\n')
        .map((l) => l.replace(/#.*/, '').trim())
        .filter((l) => l !== '')
    : [];
  const present = readdirSync(paths.labDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(paths.labDir, d.name, 'start.sh')))
    .map((d) => d.name)
    .sort();
  return [...listed.filter((n) => present.includes(n)), ...present.filter((n) => !listed.includes(n))];
}

/** The package areas: lab/packages/<area>.txt, each a list of Debian packages. */
export function labPackageAreas(paths: LabPaths): string[] {
  const dir = join(paths.labDir, 'packages');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .map((f) => f.slice(0, -'.txt'.length))
    .sort();
}

/** The services `lab up` starts when none are named: those listed in lab/services. */
export function defaultLabServices(paths: LabPaths): string[] {
  const all = labServiceNames(paths);
  const listed = existsSync(join(paths.labDir, 'services'))
    ? readFileSync(join(paths.labDir, 'services'), 'utf8')
    : '';
  return all.filter((n) => new RegExp(`^${n}$`, 'm').test(listed));
}

export interface LabProcessStatus {
  service: string;
  process: string;
  pid: number | undefined;
  running: boolean;
  /** `host:port` the process serves, when the service declares one. */
  endpoint?: string;
  /** Whether the endpoint accepted a TCP connection. */
  reachable?: boolean;
}

export interface LabServiceStatus {
  service: string;
  /** Every process runs and every endpoint answers. */
  up: boolean;
  /** Some processes run (a partial or failed start). */
  partial: boolean;
  processes: LabProcessStatus[];
  /** The `KEY=value` lines `lab env` exports for it (from its env file), when up. */
  env: Record<string, string>;
}

/** Reads the pid files and endpoints a service's start.sh wrote, and probes them. */
export async function serviceStatus(paths: LabPaths, service: string): Promise<LabServiceStatus> {
  const dir = join(paths.stateDir, service);
  const runDir = join(dir, 'run');
  const pidFiles = existsSync(runDir)
    ? readdirSync(runDir)
        .filter((f) => f.endsWith('.pid') && !f.includes('.internal.'))
        .sort()
    : [];
  const endpoints = readKeyValues(join(dir, 'endpoints'));
  const processes = await Promise.all(
    pidFiles.map(async (f): Promise<LabProcessStatus> => {
      const process = f.slice(0, -'.pid'.length);
      const pid = Number(readFileSync(join(runDir, f), 'utf8').trim()) || undefined;
      const running = pid !== undefined && isOurs(pid, dir);
      const endpoint = endpoints[process];
      return {
        service,
        process,
        pid,
        running,
        ...(endpoint ? { endpoint, reachable: running && (await tcpReachable(endpoint)) } : {}),
      };
    }),
  );
  const up = processes.length > 0 && processes.every((p) => p.running && p.reachable !== false);
  return {
    service,
    up,
    partial: !up && processes.some((p) => p.running),
    processes,
    env: up ? readKeyValues(join(dir, 'env')) : {},
  };
}

/** Alive, and started by the lab for this state dir (its mark in the environment or command line). */
function isOurs(pid: number, serviceDir: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive but not ours to signal (a developer running status without root)
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    if (environ.includes(`AARE_LAB_MARK=${serviceDir}`)) return true;
  } catch {
    // unreadable environ (another user's process): fall back to the command line
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(`${serviceDir}/`);
  } catch {
    return false;
  }
}

export function readKeyValues(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) out[m[1]] = m[2];
  }
  return out;
}

export function tcpReachable(hostPort: string, timeoutMs = 1000): Promise<boolean> {
  const i = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, i);
  const port = Number(hostPort.slice(i + 1));
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}
