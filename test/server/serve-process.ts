// `aare serve` as a user runs it (node bin/aare.mjs serve) on a free loopback port, over a state
// directory the test fills through the repository service; plus what the tests observe of the
// process: its stderr lines and its resident memory.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openRepoService, readPublicKeys } from '../../src/repo/index.js';
import { freePort } from '../free-port.js';
import type { RepoService, SigningKey } from '../../src/repo/index.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { testKey } from '../repo/rpm-fixtures.js';

const root = resolve(import.meta.dirname, '../..');

/** A control repository folder with its .aare state, and the repository service on it. */
export interface ServeState {
  dir: string;
  stateDir: string;
  store: Store;
  repo: RepoService;
  key: SigningKey;
  close(): Promise<void>;
}

export async function openServeState(): Promise<ServeState> {
  const dir = mkdtempSync(join(tmpdir(), 'aare-serve-test-'));
  const stateDir = join(dir, '.aare');
  const key = await testKey();
  await mkdir(join(stateDir, 'keys'), { recursive: true });
  await writeFile(join(stateDir, 'keys', 'provider.asc'), key.publicArmored);
  const store = await openStore({ sqlitePath: join(stateDir, 'state.db') });
  const repo = openRepoService({
    store,
    stateDir,
    signingKey: key,
    trustedKeys: await readPublicKeys(key.publicArmored),
  });
  return {
    dir,
    stateDir,
    store,
    repo,
    key,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ServeProcess {
  child: ChildProcess;
  pid: number;
  /** Where the test reaches it. */
  url: string;
  stderr(): string;
  /** Resolves with the first match of `re` in stderr (now or later); rejects after `ms`. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

/** Starts `aare serve --repo dir --port <free> ...args` and waits until it listens. */
export async function startServe(
  dir: string,
  args: string[],
  env: Record<string, string> = {},
  ready = /listening on http:\/\/127\.0\.0\.1:\d+/,
): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(root, 'bin/aare.mjs'), 'serve', '--repo', dir, '--port', String(port), ...args],
    {
      env: {
        ...process.env,
        AARE_STATE_DIR: '',
        AARE_DATABASE_URL: '',
        AARE_SERVE_URL: '',
        AARE_UPLOAD_TOKEN: '',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  const waiters = new Set<() => void>();
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    err += d;
    for (const w of waiters) w();
  });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  child.once('exit', () => {
    for (const w of waiters) w();
  });
  const waitFor = (re: RegExp, ms = 20_000) =>
    new Promise<RegExpMatchArray>((ok, fail) => {
      const check = () => {
        const m = re.exec(err);
        if (m) {
          cleanup();
          ok(m);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          cleanup();
          fail(new Error(`aare serve exited before printing ${re}: ${err}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        fail(new Error(`aare serve did not print ${re} within ${ms} ms: ${err}`));
      }, ms);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  await waitFor(ready);
  return {
    child,
    pid: child.pid!,
    url: `http://127.0.0.1:${port}`,
    stderr: () => err,
    waitFor,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resident memory of a process, in bytes (VmRSS of /proc/<pid>/status). */
export function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) * 1024;
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same mutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export { freePort };
