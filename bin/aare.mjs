#!/usr/bin/env node
// The CLI runs from the esbuild bundle that `npm ci` builds (prepare); see scripts/build.mjs.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/aare.mjs', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('aare: not built yet; run `npm run build` (npm ci does it for you)\n');
  process.exit(2);
}
await import(entry.href);
