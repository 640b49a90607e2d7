// Load on the API (bench/api/README.md): 200 concurrent keep-alive clients for 30 s GETting one
// customer's VMs with a bearer token from `aare serve --workers 1` and `--workers 2` over one
// PostgreSQL state (AARE_TEST_PG_URL, from `eval "$(aare lab env)"`), then from nginx serving the
// same answer as a static file with as many worker processes. Prints requests/s, p50/p99 (ms),
// errors and the aare / nginx ratio; writes bench/out/api-bench.json. Everything on 127.0.0.1.
// usage: node --import tsx bench/api/api-bench.ts [--seconds 30] [--connections 200]
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../../test/free-port.js';
import { apiLoadState, LOAD_PATH, runLoad, serveWorkers } from '../../test/server/api-load.js';
import type { LoadFigures } from '../../test/server/api-load.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '30' }, connections: { type: 'string', default: '200' } },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const pgUrl = process.env.AARE_TEST_PG_URL;
if (!pgUrl) {
  process.stderr.write('bench/api needs PostgreSQL: eval "$(node bin/aare.mjs lab env)" first\n');
  process.exit(2);
}

const st = await apiLoadState(pgUrl);
const work = mkdtempSync(join(tmpdir(), 'aare-api-bench-'));
chmodSync(work, 0o755); // nginx's workers run as www-data
const headers = { authorization: `Bearer ${st.token}` };
const line = (what: string, f: LoadFigures) =>
  `${what.padEnd(24)} ${f.requestsPerSecond.toFixed(0).padStart(6)} req/s  p50 ${String(f.p50).padStart(5)} ms  p99 ${String(f.p99).padStart(5)} ms  errors ${f.errors} (of which timeouts ${f.timeouts})  non-2xx ${f.non2xx}  (${f.requests} requests)`;

const results: Record<string, unknown>[] = [];
let body = '';
try {
  for (const workers of [1, 2]) {
    const srv = await serveWorkers(st, workers);
    try {
      if (!body) {
        const res = await fetch(`${srv.url}${LOAD_PATH}`, { headers });
        body = await res.text();
      }
      const aare = await runLoad(`${srv.url}${LOAD_PATH}`, { connections, seconds, headers });
      process.stdout.write(line(`aare serve --workers ${workers}`, aare) + '\n');
      const nginx = await nginxLoad(workers);
      process.stdout.write(line(`nginx, ${workers} worker(s)`, nginx) + '\n');
      const ratio = aare.requestsPerSecond / nginx.requestsPerSecond;
      process.stdout.write(`ratio aare / nginx (req/s): ${ratio.toFixed(3)}\n`);
      results.push({ workers, aare, nginx, ratio });
    } finally {
      await srv.stop();
    }
  }
} finally {
  await st.close();
  rmSync(work, { recursive: true, force: true });
}
const out = resolve(import.meta.dirname, '../out');
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'api-bench.json'),
  JSON.stringify(
    {
      at: new Date().toISOString(),
      path: LOAD_PATH,
      bytes: Buffer.byteLength(body),
      connections,
      seconds,
      results,
    },
    null,
    2,
  ) + '\n',
);

/** nginx with `workers` processes serving the API's answer as a static file, under the same load. */
async function nginxLoad(workers: number): Promise<LoadFigures> {
  const root = join(work, 'nginx-root');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'vms.json'), body);
  const port = await freePort();
  writeFileSync(
    join(work, 'nginx.conf'),
    `worker_processes ${workers};\ndaemon off;\nerror_log ${work}/nginx-error.log;\npid ${work}/nginx.pid;\n` +
      `events { worker_connections 1024; }\nhttp {\n  access_log off;\n  keepalive_requests 100000;\n` +
      `  types { application/json json; }\n  server { listen 127.0.0.1:${port}; root ${root}; }\n}\n`,
  );
  const nginx = spawn('nginx', ['-c', join(work, 'nginx.conf'), '-p', work], { stdio: 'ignore' });
  try {
    const url = `http://127.0.0.1:${port}/vms.json`;
    for (let i = 0; ; i++) {
      const ok = await fetch(url).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i === 100) throw new Error('nginx did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    return await runLoad(url, { connections, seconds, headers });
  } finally {
    nginx.kill('SIGTERM');
    await new Promise((r) => nginx.once('exit', r));
  }
}
