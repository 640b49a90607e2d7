// Worker thread entry of `compile --all` (built to dist/compile-worker.mjs): compiles one share
// of the VMs, reports its diagnostics, and writes its files when the main thread says so.
import { parentPort, workerData } from 'node:worker_threads';
import type { ShardJob, ShardReply } from './compile-parallel.js';
import { writeCompiledVm } from './compile-output.js';
import { compileShard, prepareControlRepo } from './compile-shard.js';

const job = workerData as ShardJob;
const port = parentPort!;
const reply = (m: ShardReply) => port.postMessage(m);

try {
  const shard = compileShard(prepareControlRepo(job.dir), job.shard, job.shards);
  reply({ type: 'compiled', vms: shard.compiled.length, diagnostics: shard.perVm });
  port.once('message', (m: { write: boolean }) => {
    try {
      if (m.write) {
        const made = new Set<string>();
        for (const vm of shard.compiled) writeCompiledVm(job.out, vm, made);
        reply({ type: 'written' });
      }
    } catch (e) {
      reply({ type: 'failed', message: (e as Error).message });
    }
    port.close();
  });
} catch (e) {
  reply({ type: 'failed', message: (e as Error).message });
  port.close();
}
