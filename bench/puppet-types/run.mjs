// Runs check-vs-puppet.ts bundled by esbuild the way dist/aare.mjs is built, so the numbers are
// those of the shipped code (under tsx the same code runs 2-4x slower).
//
//   node bench/puppet-types/run.mjs [vms] [rounds]
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';

const out = new URL('../out/puppet-types/', import.meta.url);
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [new URL('./check-vs-puppet.ts', import.meta.url).pathname],
  outfile: new URL('check-vs-puppet.mjs', out).pathname,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
copyFileSync(new URL('./check-puppet.rb', import.meta.url), new URL('check-puppet.rb', out));
execFileSync(process.execPath, [new URL('check-vs-puppet.mjs', out).pathname, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, AARE_BENCH_OUT: new URL('..', out).pathname },
});
