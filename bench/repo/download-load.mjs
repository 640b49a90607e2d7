// Load generator for bench/repo: GETs every path from stdin `rounds` times with `concurrency`
// keep-alive connections against 127.0.0.1:port; prints {requests, bytes, seconds, errors}.
// Bounded: it stops after the given rounds. usage: node download-load.mjs PORT CONCURRENCY ROUNDS
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [port, concurrency, rounds] = process.argv.slice(2).map(Number);
const paths = readFileSync(0, 'utf8').split('\n').filter(Boolean);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const jobs = [];
for (let r = 0; r < rounds; r++) jobs.push(...paths);
let next = 0;
let bytes = 0;
let errors = 0;
const get = (path) =>
  new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      if (res.statusCode !== 200) errors++;
      res.on('data', (c) => (bytes += c.length));
      res.on('end', resolve);
    });
    req.on('error', () => {
      errors++;
      resolve();
    });
  });
const t0 = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < jobs.length) await get(jobs[next++]);
  }),
);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
agent.destroy();
process.stdout.write(JSON.stringify({ requests: jobs.length, bytes, seconds, errors }));
