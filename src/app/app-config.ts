import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { Temporal } from 'temporal-polyfill';
import { DiagnosticsError, error } from '../diag/index.js';
import type { BuildSandbox } from '../packaging/index.js';
import type { ProviderEnv } from '../providers/index.js';
import { providers } from './provider-wiring.js';
import type { ConfiguredProvider } from './provider-wiring.js';

/**
 * Everything a command takes from its environment, read once when the command starts. Nothing
 * below src/app reads process.env for these: they get the values from here.
 */
export interface AppConfig {
  /** The control repository's directory (absolute). */
  controlRepoDir: string;
  /** Generated state: AARE_STATE_DIR, else `<control repository>/.aare`. */
  stateDir: string;
  /** AARE_DATABASE_URL (`postgres://...`): the one store is PostgreSQL; absent: `<stateDir>/state.db`. */
  databaseUrl?: string;
  /** AARE_SERVE_URL: the base URL clients reach `aare serve` at. */
  serveUrl?: string;
  /** AARE_UPLOAD_TOKEN: the bearer token `serve --allow-upload` accepts when no --upload-token-file is given. */
  uploadToken?: string;
  /** AARE_BUILD_SANDBOX: `off` builds packages without the sandbox (docs/security.md); default `on`. */
  buildSandbox: BuildSandbox;
  /** AARE_COMPILE_THREADS: threads for `compile --all --out` (for measuring; 1 = one thread); default the idle cores. */
  compileThreads?: number;
  /** Every wired provider with its settings (OS_CLOUD, AARE_OPENSTACK_PREFIX, ... for OpenStack). */
  providers: readonly ConfiguredProvider[];
  /** The environment as read at start, for secrets aare.yaml names by reference (`env:VAR`). */
  env: ProviderEnv;
  /**
   * The one clock: AARE_NOW (an ISO time with an offset, e.g. `2027-03-08T22:30:00+01:00`) when set,
   * for demos and tests walking a month, else the real time. Everything that needs the time takes
   * it from here (docs/maintenance.md), so nothing else reads the real clock.
   */
  now: () => Date;
  /** Who the audit log names for this command: the OS user (later the API principal). */
  actor: string;
}

/** The SQLite file of the one store, when there is no AARE_DATABASE_URL. */
export const STATE_FILE = 'state.db';

/** An empty variable counts as unset (tests and scripts clear variables with `VAR=`). */
function read(env: ProviderEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

export function readAppConfig(opts: { controlRepoDir: string; env: ProviderEnv }): AppConfig {
  const env = Object.freeze({ ...opts.env });
  const controlRepoDir = resolve(opts.controlRepoDir);
  const stateDirVar = read(env, 'AARE_STATE_DIR');
  const databaseUrl = read(env, 'AARE_DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new DiagnosticsError([
      error('USAGE', `AARE_DATABASE_URL must be a postgres:// URL, got '${databaseUrl}'`, {
        field: 'AARE_DATABASE_URL',
      }),
    ]);
  }
  const serveUrl = read(env, 'AARE_SERVE_URL');
  const uploadToken = read(env, 'AARE_UPLOAD_TOKEN')?.trim();
  const buildSandbox = readBuildSandbox(env);
  const threads = read(env, 'AARE_COMPILE_THREADS');
  if (threads !== undefined && !/^[1-9]\d{0,3}$/.test(threads)) {
    throw new DiagnosticsError([
      error('USAGE', `AARE_COMPILE_THREADS must be a whole number from 1 to 9999, got '${threads}'`, {
        field: 'AARE_COMPILE_THREADS',
      }),
    ]);
  }
  return {
    controlRepoDir,
    stateDir: stateDirVar ? resolve(stateDirVar) : join(controlRepoDir, '.aare'),
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(serveUrl ? { serveUrl } : {}),
    ...(uploadToken ? { uploadToken } : {}),
    buildSandbox,
    ...(threads ? { compileThreads: Number(threads) } : {}),
    providers: providers.map((configure) => configure(env)),
    env,
    now: readClock(env),
    actor: osUser(env),
  };
}

/** The OS user running the command; USER when the account has no passwd entry (containers). */
function osUser(env: ProviderEnv): string {
  try {
    return userInfo().username;
  } catch {
    return read(env, 'USER') ?? `uid:${process.getuid?.() ?? '?'}`;
  }
}

/** AARE_NOW freezes the clock at that instant; the real clock is read here and nowhere else. */
function readClock(env: ProviderEnv): () => Date {
  const name = 'AARE_NOW';
  const v = read(env, name);
  if (v === undefined) return () => new Date();
  // Temporal requires the offset: a bare local time would be another instant on another machine
  let ms = NaN;
  try {
    ms = Temporal.Instant.from(v).epochMilliseconds;
  } catch {
    // not an ISO instant: reported below
  }
  if (Number.isNaN(ms))
    throw new DiagnosticsError([
      error(
        'USAGE',
        `${name} must be an ISO time with an offset such as 2027-03-01T00:00:00+01:00, got '${v}'`,
        {
          field: name,
        },
      ),
    ]);
  return () => new Date(ms);
}

/**
 * `on` unless AARE_BUILD_SANDBOX=off; any other value is a usage mistake, never "off". Read here
 * rather than in packaging so that a command starts without loading packaging's code.
 */
function readBuildSandbox(env: ProviderEnv): BuildSandbox {
  const name = 'AARE_BUILD_SANDBOX';
  const v = read(env, name);
  if (v === undefined || v === 'bwrap') return 'on';
  if (v === 'off') return 'off';
  throw new DiagnosticsError([
    error('USAGE', `${name}=${v}: the only values are 'bwrap' (the default) and 'off'`, { field: name }),
  ]);
}
