// `compile --all --out DIR` on many VMs: the VMs split across worker threads, each loading the
// control repository once, compiling its share and writing its files. The main thread loads the
// repository too (it needs the VM count and the repository's diagnostics) and compiles one share
// itself. Nothing is written until every share compiled without errors. Outputs and diagnostics
// (in VM order) are the same as compiling in one thread. The workers load the control repository
// from its directory themselves: a worker thread shares no objects with the main thread, so it
// cannot be handed the command's app context (only its settings, as the job).
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { hasErrors } from '../diag/index.js';
import type { Diagnostic, Result } from '../diag/index.js';
import { writeCompiledVm } from './compile-output.js';
import type { CompiledVm } from './vm-compile.js';
import { compileShard, prepareControlRepo } from './compile-shard.js';
import type { PreparedControlRepo, Shard } from './compile-shard.js';

/** Below this many VMs one thread is faster than starting workers that load the repository again. */
export const PARALLEL_FROM_VMS = 500;

/** What the main thread tells a worker, and what a worker answers. */
export interface ShardJob {
  dir: string;
  out: string;
  shard: number;
  shards: number;
}
export type ShardReply =
  | { type: 'compiled'; vms: number; diagnostics: { index: number; diagnostics: Diagnostic[] }[] }
  | { type: 'written' }
  | { type: 'failed'; message: string };

/**
 * A worker loads the repository again (about half the CPU of compiling its share), so it pays
 * only on a core that would otherwise be idle: on a machine already busier than its cores,
 * workers only add CPU time.
 */
function idleThreads(): number {
  const cores = availableParallelism();
  return Math.max(1, Math.min(cores, Math.round(cores - loadavg()[0]! + 1)));
}

/** The built worker entry (dist/compile-worker.mjs beside the chunk of this module), if there is one. */
function workerFile(): string | undefined {
  const file = fileURLToPath(new URL('./compile-worker.mjs', import.meta.url));
  return existsSync(file) ? file : undefined;
}

/**
 * Compiles every VM of the repository at `dir` into `out`; the value is the number of VMs
 * written (0 when anything failed: then nothing is written). `threads` (AARE_COMPILE_THREADS, read
 * by src/app; 1 = this thread only) defaults to the cores that are idle.
 */
export async function compileAllInto(
  dir: string,
  out: string,
  options: { threads?: number; parallelFrom?: number } = {},
): Promise<Result<number>> {
  const threads = options.threads ?? idleThreads();
  const file = workerFile();
  if (threads < 2 || !file) return inOneThread(dir, out);
  // workers start loading the repository while this thread loads it and counts the VMs
  const shards = threads;
  const workers = Array.from({ length: shards - 1 }, (_, i) =>
    startWorker(file, { dir, out, shard: i + 1, shards }),
  );
  try {
    const prepared = prepareControlRepo(dir);
    const total = prepared.vms.length;
    if (!prepared.ctx) return { value: 0, diagnostics: prepared.diagnostics };
    if (total < (options.parallelFrom ?? PARALLEL_FROM_VMS)) {
      await Promise.all(workers.map((w) => w.worker.terminate()));
      return writeShard(out, prepared, compileShard(prepared, 0, 1));
    }
    const own = compileShard(prepared, 0, shards);
    const replies = await Promise.all(workers.map((w) => w.next()));
    let written = own.compiled.length;
    const perVm: { index: number; diagnostics: Diagnostic[] }[] = [...own.perVm];
    for (const r of replies) {
      if (r.type === 'failed') throw new Error(`compile worker: ${r.message}`);
      if (r.type === 'compiled') {
        perVm.push(...r.diagnostics);
        written += r.vms;
      }
    }
    perVm.sort((a, b) => a.index - b.index);
    const diagnostics = [...prepared.diagnostics, ...perVm.flatMap((v) => v.diagnostics)];
    if (hasErrors(diagnostics)) {
      for (const w of workers) w.worker.postMessage({ write: false });
      await Promise.all(workers.map((w) => w.exited));
      return { value: 0, diagnostics };
    }
    for (const w of workers) w.worker.postMessage({ write: true });
    const made = new Set<string>();
    for (const vm of own.compiled) writeCompiledVm(out, vm, made);
    for (const r of await Promise.all(workers.map((w) => w.next())))
      if (r.type === 'failed') throw new Error(`compile worker: ${r.message}`);
    return { value: written, diagnostics };
  } finally {
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}

async function inOneThread(dir: string, out: string): Promise<Result<number>> {
  const prepared = prepareControlRepo(dir);
  if (!prepared.ctx) return Promise.resolve({ value: 0, diagnostics: prepared.diagnostics });
  return Promise.resolve(writeShard(out, prepared, compileShard(prepared, 0, 1)));
}

/** Writes a whole repository's VMs compiled in one share, unless any has errors. */
function writeShard(out: string, prepared: PreparedControlRepo, shard: Shard): Result<number> {
  const diagnostics = [...prepared.diagnostics, ...shard.perVm.flatMap((v) => v.diagnostics)];
  if (hasErrors(diagnostics)) return { value: 0, diagnostics };
  const made = new Set<string>();
  for (const vm of shard.compiled) writeCompiledVm(out, vm, made);
  return { value: shard.compiled.length, diagnostics };
}

function startWorker(file: string, job: ShardJob) {
  const worker = new Worker(file, { workerData: job });
  const queue: ShardReply[] = [];
  const waiting: { resolve: (r: ShardReply) => void; reject: (e: Error) => void }[] = [];
  let failure: Error | undefined;
  worker.on('message', (m: ShardReply) => {
    const w = waiting.shift();
    if (w) w.resolve(m);
    else queue.push(m);
  });
  const fail = (e: Error) => {
    failure = e;
    for (const w of waiting.splice(0)) w.reject(e);
  };
  worker.on('error', fail);
  const exited = new Promise<void>((resolve) =>
    worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`compile worker exited with ${code}`));
      else fail(new Error('compile worker exited early'));
      resolve();
    }),
  );
  const next = (): Promise<ShardReply> => {
    const m = queue.shift();
    if (m) return Promise.resolve(m);
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  };
  return { worker, next, exited };
}

export type { CompiledVm };
