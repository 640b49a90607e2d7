// Bundles the portal (src/web, docs/portal.md) for the browser: React and the views in one
// minified script, with its style sheet and page, into `outdir` (dist/web). Runs at install time
// from scripts/build.mjs; `aare serve` only reads the result, it never builds.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** Writes index.html, portal.js and portal.css to `outdir`. */
export async function buildPortal(outdir) {
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { portal: join(root, 'src/web/main.tsx') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    jsx: 'automatic',
    minify: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    sourcemap: 'linked',
    logLevel: 'warning',
    absWorkingDir: root,
    tsconfig: join(root, 'src/web/tsconfig.json'),
  });
  copyFileSync(join(root, 'src/web/portal.css'), join(outdir, 'portal.css'));
  copyFileSync(join(root, 'src/web/index.html'), join(outdir, 'index.html'));
}
