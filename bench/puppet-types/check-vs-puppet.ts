// Benchmark: checking profile parameter values against their Puppet types, Aare against Puppet 7
// itself, on the same workload in one run (best of 5 rounds each). The workload is what `aare compile` meets: every VM's
// looked-up parameters (here 10,000 VMs x 12 parameters of typical profile types), about 2% of
// them wrong so that messages are produced too.
//
//   node bench/puppet-types/run.mjs [vms] [rounds]   (bundled like dist/aare.mjs: the real numbers)
//   node --import tsx bench/puppet-types/check-vs-puppet.ts [vms] [rounds]   (2-4x slower Aare side)
//
// Prints a table and writes bench/out/puppet-types.json. Needs `ruby` with Puppet (the lab installs it).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkValue, parseType, type PType } from '../../src/puppet-types/index.js';

interface Param {
  name: string;
  type: string;
  good: (i: number) => unknown;
  bad: unknown;
}

const params: Param[] = [
  { name: 'port', type: 'Integer[1, 65535]', good: (i) => 1024 + (i % 1000), bad: 70000 },
  {
    name: 'workers',
    type: 'Optional[Integer[1, 64]]',
    good: (i) => (i % 3 ? (i % 64) + 1 : null),
    bad: 'four',
  },
  { name: 'server_name', type: 'String[1]', good: (i) => `vm${i}.example.net`, bad: '' },
  { name: 'ensure', type: "Enum['present', 'absent', 'latest']", good: () => 'present', bad: 'installed' },
  { name: 'aliases', type: 'Array[String[1], 0, 16]', good: (i) => [`a${i}`, `b${i}`], bad: ['x', 3] },
  {
    name: 'listen',
    type: 'Pattern[/\\A[0-9.]+:[0-9]+\\z/]',
    good: (i) => `10.0.${i % 250}.1:80`,
    bad: 'any',
  },
  { name: 'tls', type: 'Boolean', good: (i) => i % 2 === 0, bad: 'yes' },
  { name: 'ratio', type: 'Float[0, 1]', good: () => 0.25, bad: 1.5 },
  {
    name: 'options',
    type: 'Hash[String, Variant[String, Integer, Boolean]]',
    good: (i) => ({ keepalive: true, timeout: i % 60, mode: 'strict' }),
    bad: { keepalive: [true] },
  },
  {
    name: 'backend',
    type: 'Struct[{host => String[1], port => Integer[1, 65535], Optional[weight] => Integer[0, 100]}]',
    good: (i) => ({ host: `db${i % 7}`, port: 5432, ...(i % 2 ? { weight: 50 } : {}) }),
    bad: { host: 'db', port: 'pg' },
  },
  {
    name: 'upstreams',
    type: 'Array[Tuple[String[1], Integer[1, 65535]], 1]',
    good: (i) => [[`up${i % 5}`, 8080]],
    bad: [],
  },
  {
    name: 'extra',
    type: 'Data',
    good: (i) => ({ list: [i, 'x', null], nested: { a: true } }),
    bad: { ok: 1 },
  },
];

const vmCount = Number(process.argv[2] ?? 10_000);
const rounds = Number(process.argv[3] ?? 5);
const vms = Array.from({ length: vmCount }, (_, i) =>
  params.map((p, j) => ((i * 31 + j * 17) % 50 === 0 ? p.bad : p.good(i))),
);

function aareRound(): { seconds: number; failures: number } {
  const started = performance.now();
  let failures = 0;
  const types = params.map((p) => parseType(p.type).type as PType);
  for (const values of vms) {
    for (let i = 0; i < values.length; i++) {
      if (checkValue(types[i] as PType, values[i]) !== undefined) failures++;
    }
  }
  return { seconds: (performance.now() - started) / 1000, failures };
}

let aare = aareRound();
for (let r = 1; r < rounds; r++) {
  const next = aareRound();
  if (next.seconds < aare.seconds) aare = next;
}

const outDir = process.env.AARE_BENCH_OUT ?? fileURLToPath(new URL('../out/', import.meta.url));
mkdirSync(outDir, { recursive: true });
const workFile = join(outDir, 'puppet-types-workload.json');
writeFileSync(workFile, JSON.stringify({ params: params.map(({ name, type }) => ({ name, type })), vms }));
const script = fileURLToPath(new URL('./check-puppet.rb', import.meta.url));
const puppet = JSON.parse(execFileSync('ruby', [script, workFile, String(rounds)], { encoding: 'utf8' })) as {
  seconds: number;
  failures: number;
  puppet: string;
};

if (puppet.failures !== aare.failures) {
  throw new Error(`Aare found ${aare.failures} failing values, Puppet ${puppet.failures}: not the same work`);
}
const checks = vmCount * params.length;
const result = {
  checks,
  failures: aare.failures,
  aareSeconds: aare.seconds,
  puppetSeconds: puppet.seconds,
  puppetVersion: puppet.puppet,
  ratio: puppet.seconds / aare.seconds,
};
writeFileSync(join(outDir, 'puppet-types.json'), JSON.stringify(result, null, 2) + '\n');
const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;
console.log(`checks: ${checks} (${vmCount} VMs x ${params.length} parameters), ${aare.failures} failing`);
console.log(`aare:   ${ms(aare.seconds)}  (${((aare.seconds / checks) * 1e9).toFixed(0)} ns per check)`);
console.log(`puppet: ${ms(puppet.seconds)}  (Puppet ${puppet.puppet})`);
console.log(`ratio:  Aare is ${result.ratio.toFixed(1)}x as fast as Puppet`);
