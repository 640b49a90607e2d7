// Bundles src/cli/main.ts into dist/ with esbuild, and the portal into dist/web (portal-build.mjs). One bundle with code splitting keeps start-up
// small: each command's implementation (and the libraries only it uses) loads when it runs.
// Pure-JS libraries are bundled in: importing yaml and zod from node_modules costs ~3x the CPU of
// the same code from one bundle. Native modules and libraries that load files by path at run time
// (worker threads, optional native bindings) stay external.
import { build } from 'esbuild';
import { renameSync, rmSync } from 'node:fs';
import { buildPortal } from './portal-build.mjs';

const root = new URL('..', import.meta.url).pathname;
const tmp = `${root}dist.tmp-${process.pid}`;
const external = [
  'better-sqlite3',
  'pg',
  'pg-native',
  'fastify',
  '@fastify/*',
  'pino',
  'pino-*',
  'thread-stream',
];

try {
  await build({
    entryPoints: { aare: 'src/cli/main.ts', 'compile-worker': 'src/compile/compile-worker.ts' },
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    // bundled CommonJS packages call require() for node built-ins
    banner: {
      js: "import { createRequire as __aareCreateRequire } from 'node:module'; const require = __aareCreateRequire(import.meta.url);",
    },
    sourcemap: 'linked',
    logLevel: 'warning',
    absWorkingDir: root,
  });
  // the portal, served by `aare serve` from dist/web (docs/portal.md)
  await buildPortal(`${tmp}/web`);
  // swap in one step, so a CLI started during a rebuild finds a complete dist/
  rmSync(`${root}dist.old`, { recursive: true, force: true });
  try {
    renameSync(`${root}dist`, `${root}dist.old`);
  } catch {
    // first build: nothing to move aside
  }
  renameSync(tmp, `${root}dist`);
  rmSync(`${root}dist.old`, { recursive: true, force: true });
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
