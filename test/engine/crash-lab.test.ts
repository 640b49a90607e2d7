// Crash test: the real CLI's apply (and destroy) is killed with SIGKILL at 10 random moments;
// after each, a new run converges and OpenStack's own listing matches the model exactly: no
// duplicate, no orphan. Runs on the smallest customer environment of the demo repository, with
// its own state (a copy of the repository) and a unique name prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadControlRepo } from '../../src/model/index.js';
import { openstack } from '../../src/providers/index.js';
import { listByPrefix, withoutDnsAndBackup } from './lab-helpers.js';
import { catalogOf, ensureCatalog } from './lab-catalog.js';

const skip = process.env.OS_CLIENT_CONFIG_FILE
  ? false
  : 'no lab OpenStack (OS_CLIENT_CONFIG_FILE unset; run `eval "$(aare lab env)"`)';
const root = join(import.meta.dirname, '../..');
// A private copy of the built CLI, so a rebuild of dist/ during the test cannot change the program
// under test; under node_modules/.cache so that its npm imports still resolve.
const cliDir = join(root, 'node_modules/.cache', `aare-crash-${process.pid}`);
const cli = join(cliDir, 'aare.mjs');
const demo = join(import.meta.dirname, '../../examples/demo');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  events: { type: string }[];
  stderr: string;
}

/** Runs the CLI with NDJSON output; `killAfter` SIGKILLs it after that many resource events. */
function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  killAfter?: { fraction: number; delayMs: number },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const events: { type: string }[] = [];
    let stderr = '';
    let seen = 0;
    let target = -1;
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      let e: { type: string };
      try {
        e = JSON.parse(line) as { type: string };
      } catch {
        return;
      }
      events.push(e);
      if (killAfter && e.type === 'apply.start') {
        // every operation emits resource.pre and resource.done: kill after one of them
        const ops = (e as unknown as { operations: number }).operations;
        target = 1 + Math.floor(killAfter.fraction * (2 * ops - 1));
      }
      if (killAfter && (e.type === 'resource.pre' || e.type === 'resource.done')) {
        seen++;
        if (seen === target) setTimeout(() => child.kill('SIGKILL'), killAfter.delayMs);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, events, stderr }));
  });
}

test(
  'SIGKILL at 10 random moments: each next run converges, no duplicate, no orphan',
  { skip, timeout: 1_800_000 },
  async () => {
    cpSync(join(root, 'dist'), cliDir, { recursive: true });
    const loaded = loadControlRepo(demo);
    assert.equal(loaded.diagnostics.filter((d) => d.severity === 'error').length, 0);
    const model = loaded.value;
    const client = openstack.openStackClientFromEnv({ env: process.env });
    await ensureCatalog(client, catalogOf(model.provider));
    // the smallest customer environment
    const envs = new Map<string, typeof model.vms>();
    for (const vm of model.vms) {
      const k = `${vm.customer}/${vm.environment}`;
      envs.set(k, [...(envs.get(k) ?? []), vm]);
    }
    const [target, vms] = [...envs].sort((a, b) => a[1].length - b[1].length || (a[0] < b[0] ? -1 : 1))[0]!;
    const [customer, env] = target.split('/') as [string, string];
    const reseller = model.customers.get(customer)!.reseller;

    const prefix = `k${Date.now().toString(36)}-`;
    const dir = mkdtempSync(join(tmpdir(), 'aare-crash-'));
    cpSync(demo, dir, { recursive: true, filter: (src) => !src.includes('/.aare') });
    withoutDnsAndBackup(dir);
    const runEnv: NodeJS.ProcessEnv = { ...process.env, AARE_OPENSTACK_PREFIX: prefix };
    delete runEnv.AARE_DATABASE_URL;
    const args = (cmd: string) => [
      cmd,
      '--repo',
      dir,
      '--customer',
      customer,
      '--env',
      env,
      '--yes',
      '--json',
    ];
    const base = `${prefix}${customer}-${env}`;
    const expected = {
      domains: [`${prefix}${reseller}`],
      projects: [`${prefix}${customer}`],
      networks: [base],
      subnets: [base],
      routers: [base],
      securityGroups: vms.map((v) => `${base}-${v.name}`).sort(),
      ports: vms.map((v) => `${base}-${v.name}`).sort(),
      servers: vms.map((v) => `${prefix}${v.fqdn}`).sort(),
    };
    // destroy --env leaves the customer's project (and the reseller's domain): other environments use them
    const nothing = {
      ...expected,
      networks: [],
      subnets: [],
      routers: [],
      securityGroups: [],
      ports: [],
      servers: [],
    };
    const named = async () => {
      const all = await listByPrefix(client, prefix);
      return {
        ...all,
        securityGroups: all.securityGroups.filter((n) => n.startsWith(prefix)),
        ports: all.ports.filter((n) => n.startsWith(prefix)),
      };
    };
    const kills: string[] = [];
    try {
      // A late moment plus the delay can fall after the run's end (on a quiet machine the last
      // calls are fast): such a round is not counted, and another one is run, 20 at most.
      let killedRounds = 0;
      for (let round = 0; killedRounds < 10; round++) {
        assert.ok(
          round < 20,
          `only ${killedRounds} of 20 runs could be killed before they ended:\n${kills.join('\n')}`,
        );
        const cmd = round % 2 === 0 ? 'apply' : 'destroy';
        const fraction = Math.random();
        const delayMs = Math.floor(Math.random() * 400);
        const killed = await runCli(args(cmd), runEnv, { fraction, delayMs });
        kills.push(
          `${cmd} killed at ${Math.round(fraction * 100)}% of its resource events + ${delayMs} ms: ${killed.signal ?? `exit ${killed.code}`}`,
        );
        if (killed.signal === 'SIGKILL') killedRounds++;
        else
          assert.equal(
            killed.code,
            0,
            `round ${round}: the ${cmd} failed before the kill (${killed.stderr})`,
          );
        const next = await runCli(args(cmd), runEnv);
        assert.equal(
          next.code,
          0,
          `round ${round}: the ${cmd} after the kill failed: ${next.stderr}${JSON.stringify(next.events.filter((e) => e.type === 'diagnostic' || e.type === 'resource.failed'))}`,
        );
        assert.deepEqual(
          await named(),
          cmd === 'apply' ? expected : nothing,
          `round ${round}: ${kills.at(-1)}`,
        );
        const plan = await runCli(
          ['plan', '--repo', dir, '--customer', customer, '--env', env, '--detailed-exitcode', '--json'],
          runEnv,
        );
        if (cmd === 'apply')
          assert.equal(plan.code, 0, `round ${round}: plan after convergence shows changes`);
      }
    } finally {
      // leave nothing behind: destroy the customer, then the domain with a provider-wide cleanup
      await runCli(['destroy', '--repo', dir, '--customer', customer, '--yes', '--json'], runEnv);
      const domains = (await openstack.listDomains(client)).filter((d) => d.name.startsWith(prefix));
      for (const d of domains) await openstack.deleteDomain(client, d.id);
      rmSync(dir, { recursive: true, force: true });
      rmSync(cliDir, { recursive: true, force: true });
    }
    process.stdout.write(`# ${kills.join('\n# ')}\n`);
  },
);
