// (a) Lookups per second in one process: the generated hierarchy, every VM's facts, a mix of
// first-found (with interpolation and dotted keys), deep and unique lookups. Round 1 is cold
// (files read and parsed; on the eyaml variant, each ENC block decrypted once); later rounds
// have the files parsed but redo all per-VM work. `answers` is a digest of every answer of
// round 1, so that the plain and eyaml variants can be shown to give the same ones.
//   node --import tsx bench/hiera/inprocess.ts [DATA_DIR]
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { loadHiera, type MergeOption } from '../../src/hiera/index.js';
import { benchVms, LOOKUP_MIX } from './generate.js';

const dir = resolve(process.argv[2] ?? 'bench/out/hiera');
const { value: hiera, diagnostics } = loadHiera(`${dir}/hiera.yaml`);
if (diagnostics.length > 0) throw new Error(JSON.stringify(diagnostics));
const vms = benchVms();

/**
 * One lookup of each key of the mix for every VM. Each round gets fresh facts objects, so the
 * per-VM work (interpolated paths, lookup_options) is redone as in a real compile; only the
 * parsed data files (and file existence) stay cached from round to round.
 */
const answers = createHash('sha256');

function round(first = false): { lookups: number; ms: number; cpuMs: number } {
  const factsOf = vms.map((vm) => structuredClone(vm.facts));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let lookups = 0;
  for (const facts of factsOf) {
    for (const [key, merge] of LOOKUP_MIX) {
      const r = hiera.lookup(key, { facts, ...(merge ? { merge: merge as MergeOption } : {}) });
      if (!('found' in r) || !r.found) throw new Error(`${key}: ${JSON.stringify(r)}`);
      if (first) answers.update(JSON.stringify(r.value));
      lookups++;
    }
  }
  const c = process.cpuUsage(c0);
  return { lookups, ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

const rounds = [round(true), round(), round(), round()];
const warm = rounds.slice(1);
const warmLookups = warm.reduce((s, r) => s + r.lookups, 0);
const warmMs = warm.reduce((s, r) => s + r.ms, 0);
const warmCpuMs = warm.reduce((s, r) => s + r.cpuMs, 0);
const result = {
  vms: vms.length,
  keysPerVm: LOOKUP_MIX.length,
  coldLookupsPerSecond: Math.round(rounds[0]!.lookups / (rounds[0]!.ms / 1000)),
  coldLookupsPerCpuSecond: Math.round(rounds[0]!.lookups / (rounds[0]!.cpuMs / 1000)),
  warmLookupsPerSecond: Math.round(warmLookups / (warmMs / 1000)),
  // the same per second of this process's CPU time: robust when the machine is shared
  warmLookupsPerCpuSecond: Math.round(warmLookups / (warmCpuMs / 1000)),
  answers: answers.digest('hex').slice(0, 16),
};
process.stdout.write(JSON.stringify(result) + '\n');
