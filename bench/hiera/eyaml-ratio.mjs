// (e) of run.sh: the in-process figures of the plain and the eyaml variant (NDJSON, one line per
// run of inprocess.ts), best run of each, and how many times slower the eyaml lookups are. The
// requirement is at most 2x; the CPU-time ratio is the robust one on a shared machine.
//   node bench/hiera/eyaml-ratio.mjs PLAIN.ndjson EYAML.ndjson
import { readFileSync } from 'node:fs';

const runs = (file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const [plain, eyaml] = [runs(process.argv[2]), runs(process.argv[3])];
const answers = new Set([...plain, ...eyaml].map((r) => r.answers));
const best = (rs, k) => Math.max(...rs.map((r) => r[k]));
// the median as well: on a loaded machine the best run of one variant may be a lucky one
const median = (rs, k) => {
  const v = rs.map((r) => r[k]).sort((a, b) => a - b);
  return v.length % 2 ? v[v.length >> 1] : Math.round((v[v.length / 2 - 1] + v[v.length / 2]) / 2);
};
const fmt = (n) => n.toLocaleString('en');
const rows = [
  ['warm, wall', 'warmLookupsPerSecond'],
  ['warm, per CPU-second', 'warmLookupsPerCpuSecond'],
  ['cold, wall', 'coldLookupsPerSecond'],
  ['cold, per CPU-second', 'coldLookupsPerCpuSecond'],
];
console.log(
  `${plain[0].vms} VMs x ${plain[0].keysPerVm} keys, lookups/s (best and median of ${plain.length} runs each)`,
);
console.log(
  '                      plain YAML   eyaml levels  eyaml slower by (target <= 2x)  medians: plain / eyaml / ratio',
);
let worst = 0;
for (const [label, k] of rows) {
  const p = best(plain, k);
  const e = best(eyaml, k);
  const ratio = p / e;
  if (k.includes('Cpu')) worst = Math.max(worst, ratio);
  const [mp, me] = [median(plain, k), median(eyaml, k)];
  console.log(
    `${label.padEnd(22)}${fmt(p).padStart(10)}   ${fmt(e).padStart(12)}  ${`${ratio.toFixed(2)}x`.padEnd(31)}` +
      `${fmt(mp)} / ${fmt(me)} / ${(mp / me).toFixed(2)}x`,
  );
}
console.log(`same answers: ${answers.size === 1 ? 'yes' : `NO (${[...answers].join(', ')})`}`);
if (answers.size !== 1) process.exitCode = 1;
console.log(`worst CPU-time ratio: ${worst.toFixed(2)}x (${worst <= 2 ? 'within' : 'NOT within'} 2x)`);
