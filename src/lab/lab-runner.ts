import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticsError, error, findOnPath, isSpawnNotFound } from '../diag/index.js';
import {
  defaultLabServices,
  labPackageAreas,
  labPaths,
  labServiceNames,
  serviceStatus,
} from './lab-services.js';
import type { LabPaths, LabServiceStatus } from './lab-services.js';

/** One line of progress for the user (the CLI prints it). */
export type LabProgress = (line: string) => void;

export interface LabUpOptions {
  /** Services to start; default: lab/services. */
  services?: string[];
  /**
   * Every service with a start.sh: lab/services first, then the services started only on request
   * (they may use the default ones, as Pulp uses the lab's PostgreSQL, so they start after them).
   */
  forTests?: boolean;
  onProgress?: LabProgress;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface LabUpResult {
  services: { service: string; action: 'already-up' | 'started'; seconds: number }[];
  packagesSeconds: number;
  totalSeconds: number;
}

/**
 * Installs the lab's Debian packages when missing (labInstall: every lab/packages/*.txt), then
 * starts each service that is not up, in parallel. Idempotent; a service that is up costs a pid
 * and port check. A failure throws DiagnosticsError (code LAB) after the failing script printed
 * its log tail through `onProgress`; services that started stay up.
 */
export async function labUp(opts: LabUpOptions = {}): Promise<LabUpResult> {
  const env = opts.env ?? process.env;
  const paths = labPaths(env);
  const defaults = defaultLabServices(paths);
  const batches = opts.forTests
    ? [defaults, labServiceNames(paths).filter((n) => !defaults.includes(n))]
    : [checkNames(paths, opts.services?.length ? opts.services : defaults)];
  const say = opts.onProgress ?? (() => undefined);
  const t0 = performance.now();
  await labInstall({ onProgress: say, env, signal: opts.signal });
  const packagesSeconds = (performance.now() - t0) / 1000;
  const results: Awaited<ReturnType<typeof startOne>>[] = [];
  for (const batch of batches) {
    results.push(...(await Promise.all(batch.map(startOne))));
    if (results.some((r) => 'failed' in r)) break;
  }
  async function startOne(service: string) {
    const s0 = performance.now();
    const before = await serviceStatus(paths, service);
    if (before.up) {
      say(`[${service}] already up`);
      return { service, action: 'already-up' as const, seconds: (performance.now() - s0) / 1000 };
    }
    const run = await runScript(
      paths,
      join(paths.labDir, service, 'start.sh'),
      service,
      say,
      env,
      opts.signal,
    );
    if (run.code !== 0) return { service, failed: run.tail };
    const after = await serviceStatus(paths, service);
    if (!after.up) {
      const down = after.processes.filter((p) => !p.running || p.reachable === false).map((p) => p.process);
      return {
        service,
        failed: [`start.sh succeeded but not up: ${down.join(', ') || 'no processes recorded'}`],
      };
    }
    return { service, action: 'started' as const, seconds: (performance.now() - s0) / 1000 };
  }
  const failed = results.filter((r): r is { service: string; failed: string[] } => 'failed' in r);
  if (failed.length > 0) {
    throw new DiagnosticsError(
      failed.map((f) =>
        error('LAB', `lab service ${f.service} did not start: ${lastMeaningful(f.failed)}`, {
          address: `lab/${f.service}`,
          detail: f.failed.join('\n'),
        }),
      ),
    );
  }
  return {
    services: results.filter((r): r is LabUpResult['services'][number] => !('failed' in r)),
    packagesSeconds,
    totalSeconds: (performance.now() - t0) / 1000,
  };
}

/**
 * Installs the Debian packages of the named lab areas (lab/packages/<area>.txt; default: every
 * area) that are missing, as lab/install.sh does. Installing needs root; as another user a missing
 * package is a LAB diagnostic that names it. Idempotent and fast when everything is present.
 */
export async function labInstall(
  opts: { areas?: string[]; onProgress?: LabProgress; env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {},
): Promise<void> {
  const env = opts.env ?? process.env;
  const paths = labPaths(env);
  const areas = opts.areas ?? [];
  const known = labPackageAreas(paths);
  const unknown = areas.filter((a) => !known.includes(a));
  if (unknown.length > 0) {
    throw new DiagnosticsError(
      unknown.map((a) =>
        error('USAGE', `unknown lab package area '${a}' (known: ${known.join(', ')})`, { field: 'area' }),
      ),
    );
  }
  const say = opts.onProgress ?? (() => undefined);
  const script = join(paths.labDir, 'install.sh');
  const run = await runScript(paths, script, 'packages', say, env, opts.signal, areas);
  if (run.code !== 0) throw labFailure('packages', 'installing the lab packages failed', run.tail);
}

/** Stops services (default: all that have state), in reverse start order; `purge` deletes their state. */
export async function labDown(
  opts: { services?: string[]; purge?: boolean; onProgress?: LabProgress; env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  const env = opts.env ?? process.env;
  const paths = labPaths(env);
  const say = opts.onProgress ?? (() => undefined);
  const named = opts.services?.length ? checkNames(paths, opts.services) : undefined;
  const services = (named ?? labServiceNames(paths))
    .filter((s) => existsSync(join(paths.stateDir, s)))
    .reverse();
  for (const service of services) {
    const run = await runScript(paths, join(paths.labDir, service, 'stop.sh'), service, say, env);
    if (run.code !== 0) throw labFailure(service, 'stopping failed', run.tail);
    if (opts.purge) {
      rmSync(join(paths.stateDir, service), { recursive: true, force: true });
      say(`[${service}] state removed (${join(paths.stateDir, service)})`);
    }
  }
  if (opts.purge && !named) {
    rmSync(paths.stateDir, { recursive: true, force: true });
    say(`state removed (${paths.stateDir})`);
  }
}

/** Status of every known service (those with no state show as down with no processes). */
export async function labStatus(env: NodeJS.ProcessEnv = process.env): Promise<LabServiceStatus[]> {
  const paths = labPaths(env);
  return Promise.all(labServiceNames(paths).map((s) => serviceStatus(paths, s)));
}

/** `export K='v'` lines for every service that is up: what `eval "$(aare lab env)"` needs. */
export async function labEnv(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const vars: Record<string, string> = {};
  for (const s of await labStatus(env)) Object.assign(vars, s.env);
  return Object.entries(vars)
    .map(([k, v]) => `export ${k}=${shellQuote(v)}`)
    .join('\n');
}

export function shellQuote(v: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}

function checkNames(paths: LabPaths, names: string[]): string[] {
  const known = labServiceNames(paths);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new DiagnosticsError(
      unknown.map((n) =>
        error('USAGE', `unknown lab service '${n}' (known: ${known.join(', ')})`, { field: 'service' }),
      ),
    );
  }
  return known.filter((n) => names.includes(n));
}

function labFailure(service: string, what: string, tail: string[]): DiagnosticsError {
  return new DiagnosticsError([
    error('LAB', `lab ${service}: ${what}: ${lastMeaningful(tail)}`, {
      address: `lab/${service}`,
      detail: tail.join('\n'),
    }),
  ]);
}

function lastMeaningful(lines: string[]): string {
  const errors = lines.filter((l) => /ERROR|error|failed/.test(l));
  return (errors[errors.length - 1] ?? lines[lines.length - 1] ?? 'no output').trim();
}

/** Runs a lab script with bash, each output line prefixed with `[service]`; keeps the last 60 lines. */
function runScript(
  paths: LabPaths,
  script: string,
  service: string,
  say: LabProgress,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
  args: string[] = [],
): Promise<{ code: number; tail: string[] }> {
  return new Promise((resolvePromise, reject) => {
    // the scripts set their own PATH; bash itself is Debian's, even when the caller's PATH is bare
    const child = spawn(findOnPath('bash', env.PATH) ?? '/bin/bash', [script, ...args], {
      env: { ...env, AARE_LAB_STATE: paths.stateDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(signal ? { signal } : {}),
    });
    const tail: string[] = [];
    const onData = (buf: Buffer, carry: { s: string }) => {
      const text = carry.s + buf.toString('utf8');
      const lines = text.split('\n');
      carry.s = lines.pop() ?? '';
      for (const line of lines) emit(line);
    };
    const emit = (line: string) => {
      tail.push(line);
      if (tail.length > 60) tail.shift();
      say(line.startsWith('[') ? line : `[${service}] ${line}`);
    };
    const out = { s: '' };
    const err = { s: '' };
    child.stdout.on('data', (b: Buffer) => onData(b, out));
    child.stderr.on('data', (b: Buffer) => onData(b, err));
    child.on('error', (err) =>
      reject(
        isSpawnNotFound(err)
          ? new DiagnosticsError([
              error('LAB', `bash is needed to run ${script}`, { address: `lab/${service}` }),
            ])
          : err,
      ),
    );
    child.on('close', (code) => {
      if (out.s) emit(out.s);
      if (err.s) emit(err.s);
      resolvePromise({ code: code ?? 1, tail });
    });
  });
}
