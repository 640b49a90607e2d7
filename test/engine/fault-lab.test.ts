// Fault test: a fault-injecting HTTP proxy between Aare and the lab's OpenStack endpoints answers
// some calls with 500 or 409, delays some, and drops some connections (before or after the
// request reached OpenStack). Each apply through it converges, or fails with diagnostics that
// name the resource and leaves state the next apply completes. Afterwards OpenStack's own listing
// (not through the proxy) matches the model exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAppContext } from '../../src/app/index.js';
import { applyPlan, hasChanges, makePlan } from '../../src/engine/index.js';
import type { PlanFilter } from '../../src/engine/index.js';
import { loadControlRepo } from '../../src/model/index.js';
import { createHttpTransport, openstack } from '../../src/providers/index.js';
import { listByPrefix, withoutDnsAndBackup } from './lab-helpers.js';
import { catalogOf, ensureCatalog } from './lab-catalog.js';

const skip = process.env.OS_CLIENT_CONFIG_FILE
  ? false
  : 'no lab OpenStack (OS_CLIENT_CONFIG_FILE unset; run `eval "$(aare lab env)"`)';
const demo = join(import.meta.dirname, '../../examples/demo');

type Fault = 'none' | '500' | '409' | 'slow' | 'drop-before' | 'drop-after' | '500-after';

/** A small seeded PRNG, so a failing run can be repeated with AARE_FAULT_SEED. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * The proxy: requests arrive as `/__port/<port>/<path>` and go to 127.0.0.1:<port>/<path>.
 * Token requests are never faulted (the test is about resource calls).
 */
async function faultProxy(rate: number, seed: number) {
  const random = prng(seed);
  const counts: Record<Fault, number> = {
    none: 0,
    '500': 0,
    '409': 0,
    slow: 0,
    'drop-before': 0,
    'drop-after': 0,
    '500-after': 0,
  };
  const pick = (req: IncomingMessage): Fault => {
    if (req.url?.includes('/auth/tokens')) return 'none';
    if (random() >= rate) return 'none';
    const faults: Fault[] = ['500', '409', 'slow', 'drop-before', 'drop-after', '500-after'];
    return faults[Math.floor(random() * faults.length)]!;
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const m = /^\/__port\/(\d+)(\/.*)$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(400).end();
      return;
    }
    const fault = pick(req);
    counts[fault]++;
    if (fault === '500') {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"injected fault"}');
      return;
    }
    if (fault === '409') {
      res.writeHead(409, { 'content-type': 'application/json' }).end('{"message":"injected conflict"}');
      return;
    }
    if (fault === 'drop-before') {
      req.socket.destroy();
      return;
    }
    const forward = () => {
      const up = httpRequest(
        {
          host: '127.0.0.1',
          port: Number(m[1]),
          path: m[2],
          method: req.method,
          headers: { ...req.headers, host: `127.0.0.1:${m[1]}` },
        },
        (upRes) => {
          if (fault === 'drop-after') {
            upRes.resume();
            upRes.on('end', () => req.socket.destroy());
            return;
          }
          if (fault === '500-after') {
            upRes.resume();
            upRes.on('end', () =>
              res
                .writeHead(500, { 'content-type': 'application/json' })
                .end('{"message":"injected fault after the call"}'),
            );
            return;
          }
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => req.socket.destroy());
      req.pipe(up);
    };
    if (fault === 'slow') setTimeout(forward, 1500 + Math.floor(random() * 1500));
    else forward();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const fetchThrough: typeof fetch = (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const proxied = `http://127.0.0.1:${port}/__port/${url.port || '80'}${url.pathname}${url.search}`;
    return fetch(proxied, init);
  };
  return { counts, fetchThrough, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test(
  'faults between Aare and OpenStack: apply converges or fails naming the resource, then completes',
  { skip, timeout: 1_800_000 },
  async () => {
    const loaded = loadControlRepo(demo);
    const model = loaded.value;
    const direct = openstack.openStackClientFromEnv({ env: process.env });
    await ensureCatalog(direct, catalogOf(model.provider));
    // a customer with two VMs or more, in its smallest environment
    const envs = new Map<string, typeof model.vms>();
    for (const vm of model.vms)
      envs.set(`${vm.customer}/${vm.environment}`, [
        ...(envs.get(`${vm.customer}/${vm.environment}`) ?? []),
        vm,
      ]);
    const [target, vms] = [...envs]
      .filter(([, v]) => v.length >= 2)
      .sort((a, b) => a[1].length - b[1].length || (a[0] < b[0] ? -1 : 1))[0]!;
    const [customer, env] = target.split('/') as [string, string];
    const filter: PlanFilter = { customer, env };

    const seed = Number(process.env.AARE_FAULT_SEED ?? Date.now() % 100000);
    const proxy = await faultProxy(0.12, seed);
    const prefix = `f${Date.now().toString(36)}-`;
    const dir = mkdtempSync(join(tmpdir(), 'aare-fault-'));
    cpSync(demo, dir, { recursive: true, filter: (src) => !src.includes('/.aare') });
    withoutDnsAndBackup(dir);
    const envVars: NodeJS.ProcessEnv = { ...process.env, AARE_OPENSTACK_PREFIX: prefix };
    delete envVars.AARE_DATABASE_URL;
    const transport = createHttpTransport({
      unavailableCode: 'OPENSTACK_UNAVAILABLE',
      fetch: proxy.fetchThrough,
      retry: { baseDelayMs: 50, maxDelayMs: 500, attemptTimeoutMs: 20_000 },
    });
    const session = openAppContext({ controlRepoDir: dir, env: envVars, transport });
    const engine = await session.engine();
    const failures: string[] = [];

    /** Plans and applies through the proxy until a plan shows no changes; every failure must name its resource. */
    const converge = async (mode: 'apply' | 'destroy') => {
      for (let attempt = 1; attempt <= 12; attempt++) {
        const desired =
          mode === 'destroy'
            ? { value: [], diagnostics: [] }
            : await session
                .desired(filter)
                .catch((e: unknown) => ({ value: [], diagnostics: [{ summary: String(e) }] }));
        if (desired.diagnostics.length > 0) {
          failures.push(`desired: ${JSON.stringify(desired.diagnostics)}`);
          continue;
        }
        const planned = await makePlan(engine, { desired: desired.value, filter, mode });
        if (!planned.value) {
          failures.push(`plan: ${planned.diagnostics.map((d) => `${d.code} ${d.summary}`).join('; ')}`);
          continue;
        }
        const plan = planned.value;
        if (!hasChanges(plan)) return attempt;
        const result = await applyPlan(engine, plan);
        for (const d of result.diagnostics) {
          // a refused stale plan (recovery adopted what the plan meant to create) is no failed call:
          // the loop makes a new plan
          if (d.code === 'PLAN_STALE') {
            failures.push(`${d.code} ${d.summary}`);
            continue;
          }
          assert.ok(d.address, `a failed call names its resource: ${d.code} ${d.summary}`);
          assert.match(d.code, /^(OPENSTACK_|PROVIDER)/, d.summary);
          failures.push(`${d.address}: ${d.code} ${d.summary}`);
        }
      }
      throw new Error(`no convergence through the faulty proxy after 12 applies:\n${failures.join('\n')}`);
    };

    const base = `${prefix}${customer}-${env}`;
    const named = async () => {
      const all = await listByPrefix(direct, prefix);
      return {
        ...all,
        securityGroups: all.securityGroups.filter((n) => n.startsWith(prefix)),
        ports: all.ports.filter((n) => n.startsWith(prefix)),
      };
    };
    try {
      const applies = await converge('apply');
      assert.deepEqual(await named(), {
        domains: [`${prefix}${model.customers.get(customer)!.reseller}`],
        projects: [`${prefix}${customer}`],
        networks: [base],
        subnets: [base],
        routers: [base],
        securityGroups: vms.map((v) => `${base}-${v.name}`).sort(),
        ports: vms.map((v) => `${base}-${v.name}`).sort(),
        servers: vms.map((v) => `${prefix}${v.fqdn}`).sort(),
      });
      const destroys = await converge('destroy');
      const left = await named();
      assert.deepEqual(
        [
          ...left.networks,
          ...left.subnets,
          ...left.routers,
          ...left.securityGroups,
          ...left.ports,
          ...left.servers,
        ],
        [],
      );
      process.stdout.write(
        `# seed ${seed}: converged in ${applies} plan/apply rounds, destroyed in ${destroys}; faults ${JSON.stringify(proxy.counts)}\n# ${failures.join('\n# ')}\n`,
      );
      assert.ok(
        Object.entries(proxy.counts).some(([k, n]) => k !== 'none' && n > 0),
        'the proxy injected faults',
      );
    } finally {
      await session.close();
      await proxy.close();
      const cleanup = openAppContext({ controlRepoDir: dir, env: envVars });
      try {
        const cleanupEngine = await cleanup.engine();
        const p = await makePlan(cleanupEngine, { desired: [], filter: {}, mode: 'destroy' });
        if (p.value) await applyPlan(cleanupEngine, p.value);
      } finally {
        await cleanup.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  },
);
