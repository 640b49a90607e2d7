// (b) and (c): wall time of ONE `aare lookup` process and of ONE `puppet lookup` process for the
// same lookups on the generated data, from the same run, with their ratio. The answers of both
// are compared (they must be equal). Median of several runs each.
//   node --import tsx bench/hiera/single.ts [DATA_DIR] [AARE_RUNS] [PUPPET_RUNS]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

const dir = resolve(process.argv[2] ?? 'bench/out/hiera');
const aareRuns = Number(process.argv[3] ?? 7);
const puppetRuns = Number(process.argv[4] ?? 3);
const repoRoot = resolve(import.meta.dirname, '../..');
const config = join(dir, 'hiera.yaml');
const facts = join(dir, 'facts-sample.json');

const LOOKUPS: { label: string; key: string; merge?: string }[] = [
  { label: 'first, interpolation', key: 'profile::base::motd' },
  { label: 'deep (lookup_options, knockout)', key: 'users' },
  { label: 'unique (--merge)', key: 'profile::base::packages', merge: 'unique' },
  { label: 'deep, dotted key', key: 'profile::nginx::settings.worker_processes' },
];

/** Wall time, and CPU time (user + system, from GNU time) which the machine's load disturbs less. */
function timeRun(
  cmd: string,
  args: string[],
  cwd?: string,
): { ms: number; cpuMs: number; out: string; err: string; status: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', cmd, ...args], { encoding: 'utf8', cwd });
  const ms = performance.now() - t0;
  const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  const cpuMs = m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN;
  return {
    ms,
    cpuMs,
    out: r.stdout,
    err: r.stderr.replace(/CPU [\d.]+ [\d.]+\s*$/, ''),
    status: r.status ?? -1,
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const tree = mkdtempSync(join(tmpdir(), 'aare-bench-puppet-'));
for (const d of ['conf', 'code', 'var', 'env/production']) mkdirSync(join(tree, d), { recursive: true });

const rows: string[][] = [];
const ratios: number[] = [];
const cpuRatios: number[] = [];
for (const l of LOOKUPS) {
  const merge = l.merge ? ['--merge', l.merge] : [];
  const aareArgs = [
    join(repoRoot, 'bin/aare.mjs'),
    'lookup',
    l.key,
    '--config',
    config,
    '--facts',
    facts,
    '--render-as',
    'json',
    ...merge,
  ];
  const puppetArgs = [
    'lookup',
    ...['--confdir', join(tree, 'conf'), '--codedir', join(tree, 'code'), '--vardir', join(tree, 'var')],
    ...['--environmentpath', join(tree, 'env'), '--environment', 'production', '--hiera_config', config],
    ...['--node', 'bench-node', '--facts', facts, '--render-as', 'json', ...merge, l.key],
  ];
  const aare = Array.from({ length: aareRuns }, () => timeRun('node', aareArgs));
  const puppet = Array.from({ length: puppetRuns }, () => timeRun('puppet', puppetArgs, tree));
  const a = aare[0]!;
  const p = puppet[0]!;
  if (a.status !== 0 || p.status !== 0)
    throw new Error(`${l.key}: aare ${a.status} ${a.err} / puppet ${p.status} ${p.err}`);
  const same = isDeepStrictEqual(JSON.parse(a.out), JSON.parse(p.out));
  const am = median(aare.map((r) => r.ms));
  const pm = median(puppet.map((r) => r.ms));
  const ac = median(aare.map((r) => r.cpuMs));
  const pc = median(puppet.map((r) => r.cpuMs));
  ratios.push(pm / am);
  cpuRatios.push(pc / ac);
  rows.push([
    l.label,
    `${am.toFixed(0)} ms`,
    `${pm.toFixed(0)} ms`,
    `${(pm / am).toFixed(1)}x`,
    `${ac.toFixed(0)} / ${pc.toFixed(0)} ms`,
    `${(pc / ac).toFixed(1)}x`,
    same ? 'yes' : 'NO',
  ]);
}
rmSync(tree, { recursive: true, force: true });

const head = [
  'lookup',
  'aare (wall)',
  'puppet (wall)',
  'wall ratio',
  'CPU aare / puppet',
  'CPU ratio',
  'same answer',
];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
process.stdout.write(
  `${line(head)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n`,
);
const range = (xs: number[]): string => `${Math.min(...xs).toFixed(1)}x to ${Math.max(...xs).toFixed(1)}x`;
process.stdout.write(
  `single process: aare lookup is ${range(ratios)} faster than puppet lookup in wall time, ${range(cpuRatios)} in CPU time (median of ${aareRuns} / ${puppetRuns} runs; target >= 10x)\n`,
);
if (rows.some((r) => r[6] !== 'yes')) process.exitCode = 1;
