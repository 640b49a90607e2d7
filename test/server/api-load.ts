// What the API load test and bench/api share: a demo state with one release, on PostgreSQL (a
// fresh database of AARE_TEST_PG_URL) or SQLite, made by `aare` as a user runs it; a
// provider-admin token from `aare token create`; `aare serve --workers N` over it; autocannon's
// figures for one bounded run against 127.0.0.1; and the CPU time each worker spent.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aareAt, committedRepo, demoCopy, ok, useSigningKey } from '../release/release-helpers.js';
import { testKey, testKeyFile } from '../repo/rpm-fixtures.js';
import { startServe } from './serve-process.js';
import type { ServeProcess } from './serve-process.js';

/** The path every client GETs: one customer's VMs, a list of a few KiB. */
export const LOAD_PATH = '/api/v1/customers/muster-ag/vms';

export interface LoadState {
  repo: string;
  /** The release frozen in it. */
  release: string;
  /** AARE_STATE_DIR and AARE_DATABASE_URL for `aare` on this state. */
  env: Record<string, string>;
  backend: 'postgres' | 'sqlite';
  token: string;
  close(): Promise<void>;
}

/** A new state: PostgreSQL when `pgUrl` is given (a database of its own, dropped on close). */
export async function apiLoadState(pgUrl?: string): Promise<LoadState> {
  const dir = mkdtempSync(join(tmpdir(), 'aare-api-load-'));
  const repo = demoCopy(join(dir, 'control'));
  await testKey('provider');
  useSigningKey(repo, testKeyFile('provider'));
  committedRepo(repo);
  let databaseUrl = '';
  let drop = async () => {};
  if (pgUrl) {
    const pg = (await import('pg')).default;
    const name = `aare_load_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`).finally(() => admin.end());
    const url = new URL(pgUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    drop = async () => {
      const a = new pg.Client({ connectionString: pgUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => a.end());
    };
  }
  const state = join(dir, 'state');
  const aare = aareAt(repo, state, databaseUrl);
  const now = new Date().toISOString();
  ok(aare(now, 'repo', 'create', 'base'));
  const frozen = JSON.parse(ok(aare(now, 'release', 'freeze', '--json'))) as { name: string };
  const made = ok(
    aare(now, 'token', 'create', '--role', 'provider-admin', '--scope', '/', '--expires', '1d', '--json'),
  );
  return {
    repo,
    release: frozen.name,
    env: { AARE_STATE_DIR: state, AARE_DATABASE_URL: databaseUrl },
    backend: pgUrl ? 'postgres' : 'sqlite',
    token: (JSON.parse(made) as { token: string }).token,
    async close() {
      await drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `aare serve --workers N` on the state, ready when every worker listens. */
export function serveWorkers(st: LoadState, workers: number): Promise<ServeProcess> {
  const ready =
    workers === 1
      ? /listening on http:\/\/127\.0\.0\.1:\d+/
      : new RegExp(`(?:worker \\d+ listening on [^\\n]+\\n[\\s\\S]*){${workers}}`);
  return startServe(st.repo, ['--workers', String(workers)], st.env, ready);
}

/** The pids of the workers a `--workers N` primary reported. */
export const workerPids = (stderr: string): number[] =>
  [...stderr.matchAll(/worker (\d+) listening on/g)].map((m) => Number(m[1]));

/** User plus system CPU time of a process, in clock ticks (/proc/PID/stat fields 14 and 15). */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

export interface LoadFigures {
  requests: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

interface AutocannonResult {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

/**
 * `connections` keep-alive clients GETting `url` for `seconds` (bounded: autocannon stops by
 * itself), each request with `headers`.
 */
export async function runLoad(
  url: string,
  opts: {
    connections: number;
    seconds: number;
    headers?: Record<string, string>;
    method?: 'GET' | 'POST';
    body?: string;
    /** seconds a request may take before it counts as a timeout (and an error) */
    timeout?: number;
  },
): Promise<LoadFigures> {
  // autocannon ships no types; the few fields read here are its documented result
  const name = 'autocannon';
  const autocannon = (await import(name)) as {
    default: (o: object) => Promise<AutocannonResult>;
  };
  const r = await autocannon.default({
    url,
    connections: opts.connections,
    duration: opts.seconds,
    headers: opts.headers ?? {},
    method: opts.method ?? 'GET',
    ...(opts.body !== undefined ? { body: opts.body } : {}),
    timeout: opts.timeout ?? 10,
  });
  return {
    requests: r.requests.total,
    requestsPerSecond: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
  };
}
