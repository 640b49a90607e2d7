// Secrets from Hiera stay secret: a copy of the demo gains hiera-eyaml values on three levels
// (common, customer, VM) and a `Sensitive[String]` parameter with a plain value; after
// validate, compile (JSON and --out), lookup --explain and, with the lab, plan --json and
// plan --out, each plaintext is found only in user-data and enc.yaml files. With the lab, a
// second copy (its own state and OpenStack name prefix, no DNS or backup endpoints) is applied and
// destroyed for real: the secrets reach Nova's user-data, and neither the state directory (SQLite
// database and WAL read as bytes), the stored plan, the commands' output files nor
// `aare serve --log`'s request log holds any of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { loadControlRepo } from '../../src/model/index.js';
import { openstack } from '../../src/providers/index.js';
import { catalogOf, ensureCatalog } from '../engine/lab-catalog.js';
import { withoutDnsAndBackup } from '../engine/lab-helpers.js';
import { freePort } from '../free-port.js';
import { ensureBuilt, projectRoot } from './puppet-harness.js';

const labSkip =
  process.env.OS_CLIENT_CONFIG_FILE && process.env.AARE_LAB_DNS_API_KEY
    ? false
    : 'needs the lab (OpenStack, DNS): run `eval "$(aare lab env)"`';

const SECRETS = {
  customer: 'cust-payment-key-4711-Zq',
  vm: 'vm-web2-payment-key-0815-Xy',
  common: 'common-smtp-pass-9f3K',
  sensitiveType: 'plain-session-secret-77aa',
};

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** A copy of the demo with the secrets above at their levels, and a CLI runner that records. */
function secretDemo(work: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const repo = join(work, 'repo');
  const state = join(work, 'state');
  cpSync(join(projectRoot, 'examples/demo'), repo, { recursive: true, filter: (s) => !s.includes('/.aare') });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AARE_STATE_DIR: state,
    AARE_OPENSTACK_PREFIX: `s${Date.now().toString(36)}-`,
    ...extraEnv,
  };
  delete env.AARE_DATABASE_URL;
  const outputs: { args: string[]; stdout: string; stderr: string }[] = [];
  const aare = (...args: string[]) => {
    const r = spawnSync(process.execPath, [join(projectRoot, 'bin/aare.mjs'), ...args], {
      cwd: repo,
      env,
      encoding: 'utf8',
      input: '',
      maxBuffer: 64 << 20,
    });
    outputs.push({ args, stdout: r.stdout, stderr: r.stderr });
    return r;
  };
  const encrypt = (plain: string) => {
    const r = spawnSync(process.execPath, [join(projectRoot, 'bin/aare.mjs'), 'secret', 'encrypt'], {
      cwd: repo,
      encoding: 'utf8',
      input: plain,
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };

  assert.equal(aare('secret', 'createkeys').status, 0);
  const write = (rel: string, text: string) => {
    mkdirSync(join(repo, rel, '..'), { recursive: true });
    writeFileSync(join(repo, rel), text);
  };
  write('data/secrets/common.eyaml', `profile::muster_shop::smtp_password: ${encrypt(SECRETS.common)}\n`);
  write(
    'data/secrets/customer/muster-ag.eyaml',
    `profile::muster_shop::payment_api_key: ${encrypt(SECRETS.customer)}\n`,
  );
  write(
    'data/secrets/vm/muster-ag/production/web2.eyaml',
    `profile::muster_shop::payment_api_key: ${encrypt(SECRETS.vm)}\n`,
  );
  const customerData = join(repo, 'data/customer/muster-ag.yaml');
  writeFileSync(
    customerData,
    readFileSync(customerData, 'utf8') + `profile::muster_shop::session_secret: '${SECRETS.sensitiveType}'\n`,
  );
  const hieraFile = join(repo, 'hiera.yaml');
  const level = (name: string, path: string) =>
    `  - name: '${name}'\n    lookup_key: eyaml_lookup_key\n    path: '${path}'\n`;
  writeFileSync(
    hieraFile,
    readFileSync(hieraFile, 'utf8')
      .replace(
        'hierarchy:\n',
        'hierarchy:\n' +
          level('VM secrets', 'secrets/vm/%{facts.customer}/%{facts.environment}/%{facts.vm}.eyaml'),
      )
      .replace(
        "  - name: 'Customer'\n",
        level('Customer secrets', 'secrets/customer/%{facts.customer}.eyaml') + "  - name: 'Customer'\n",
      )
      .replace(
        "  - name: 'Common'\n",
        level('Common secrets', 'secrets/common.eyaml') + "  - name: 'Common'\n",
      ),
  );
  const profileFile = join(repo, 'profiles/muster_shop.yaml');
  writeFileSync(
    profileFile,
    readFileSync(profileFile, 'utf8').replace(
      'parameters:\n',
      'parameters:\n' +
        '  payment_api_key:\n    type: Sensitive[String[8]]\n' +
        '  smtp_password:\n    type: String\n' +
        '  session_secret:\n    type: Sensitive[String]\n',
    ),
  );
  const template = join(repo, 'profiles/templates/muster_shop/shop.env.eta');
  writeFileSync(
    template,
    readFileSync(template, 'utf8') +
      'PAYMENT_API_KEY=<%= params.payment_api_key %>\n' +
      'SMTP_PASSWORD=<%= params.smtp_password %>\n' +
      'SESSION_SECRET=<%= params.session_secret %>\n',
  );

  return { repo, state, env, outputs, aare };
}

test('Hiera secrets reach only user-data and the ENC', async (t) => {
  ensureBuilt();
  const work = mkdtempSync(join(tmpdir(), 'aare-secret-leak-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const { repo, outputs, aare } = secretDemo(work);

  const validate = aare('validate');
  assert.equal(validate.status, 0, validate.stderr + validate.stdout);
  const out = join(work, 'compiled');
  const compiled = aare('compile', '--all', '--out', out);
  assert.equal(compiled.status, 0, compiled.stderr);
  for (const args of [
    ['compile', '--all'],
    ['compile', 'muster-ag/production/web2'],
    ['compile', 'muster-ag/test/web1'],
  ]) {
    const r = aare(...args);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\[sensitive\] sha256:[0-9a-f]{12}/);
  }
  for (const key of ['payment_api_key', 'smtp_password', 'session_secret']) {
    const r = aare(
      'lookup',
      `profile::muster_shop::${key}`,
      '--vm',
      'muster-ag/production/web2',
      '--explain',
    );
    assert.equal(r.status, 0, r.stderr);
  }

  // the VM gets them: each plaintext is in some user-data and ENC, the VM level's for web2 only
  const web2 = readFileSync(join(out, 'muster-ag/production/web2/user-data'), 'utf8');
  for (const s of [SECRETS.vm, SECRETS.common, SECRETS.sensitiveType]) assert.ok(web2.includes(s), s);
  assert.ok(!web2.includes(SECRETS.customer));
  const web1Enc = readFileSync(join(out, 'muster-ag/test/web1/enc.yaml'), 'utf8');
  assert.ok(web1Enc.includes(SECRETS.customer));

  let planned = false;
  if (!labSkip) {
    const planFile = join(work, 'plan.json');
    const plan = aare('plan', '--customer', 'muster-ag', '--json', '--out', planFile);
    assert.equal(plan.status, 0, plan.stderr);
    planned = true;
    // the servers' user-data is in the plan file, sealed with the state's key
    assert.match(readFileSync(planFile, 'utf8'), /"userData": "aare-sealed:1:/);
    const human = aare('plan', '--customer', 'muster-ag');
    assert.equal(human.status, 0, human.stderr);
  } else {
    t.diagnostic(`plan skipped: ${labSkip}`);
  }

  const leaks: string[] = [];
  for (const o of outputs) {
    for (const [name, s] of Object.entries(SECRETS)) {
      if (o.stdout.includes(s) || o.stderr.includes(s))
        leaks.push(`${name} in the output of aare ${o.args.join(' ')}`);
    }
  }
  const written = [
    ...filesUnder(out),
    ...filesUnder(work).filter((f) => !f.startsWith(repo + '/') && !f.startsWith(out + '/')),
  ];
  for (const f of written) {
    if (['user-data', 'enc.yaml'].includes(basename(f)) && f.startsWith(out + '/')) continue;
    if (!statSync(f).isFile()) continue;
    const bytes = readFileSync(f).toString('latin1');
    for (const [name, s] of Object.entries(SECRETS)) {
      if (bytes.includes(Buffer.from(s).toString('latin1'))) leaks.push(`${name} in ${relative(work, f)}`);
    }
  }
  assert.deepEqual(leaks, []);
  if (planned) assert.ok(written.some((f) => f.endsWith('plan.json')));
});

/** Every byte of a file as latin1, so that a plaintext inside SQLite pages is found too. */
function bytesOf(file: string): string {
  return readFileSync(file).toString('latin1');
}
const latin1 = (s: string) => Buffer.from(s).toString('latin1');

test(
  'an apply and destroy through the lab: the secrets reach Nova, and no state, plan or log holds them',
  { skip: labSkip, timeout: 1_800_000 },
  async (t) => {
    ensureBuilt();
    const work = mkdtempSync(join(tmpdir(), 'aare-secret-apply-'));
    const prefix = `sl${process.pid}${Date.now().toString(36)}-`;
    const { repo, state, env } = secretDemo(work, { AARE_OPENSTACK_PREFIX: prefix });
    // the lab's DNS zones and backup server are shared with other tests that apply the demo's names
    withoutDnsAndBackup(repo);
    const client = openstack.openStackClientFromEnv({ env: process.env });
    const loaded = loadControlRepo(repo);
    assert.deepEqual(
      loaded.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    await ensureCatalog(client, catalogOf(loaded.value.provider));

    // Each command's stdout and stderr go to files of their own: the log files this run writes.
    const logs = join(work, 'logs');
    mkdirSync(logs);
    let runs = 0;
    const run = (...args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const base = join(logs, `${String(++runs).padStart(2, '0')}-${args[0]}`);
        const out = openSync(`${base}.stdout`, 'w');
        const err = openSync(`${base}.stderr`, 'w');
        const child = spawn(process.execPath, [join(projectRoot, 'bin/aare.mjs'), ...args], {
          cwd: repo,
          env,
          stdio: ['ignore', out, err],
        });
        child.on('error', reject);
        child.on('close', (code) => {
          closeSync(out);
          closeSync(err);
          resolve({
            code,
            stdout: readFileSync(`${base}.stdout`, 'utf8'),
            stderr: readFileSync(`${base}.stderr`, 'utf8'),
          });
        });
      });

    const scope = ['--customer', 'muster-ag'];
    let cleaned = false;
    const cleanUp = async () => {
      if (cleaned) return;
      cleaned = true;
      const destroy = await run('destroy', ...scope, '--yes', '--json');
      // destroy --customer leaves the reseller's domain: provider-wide, other customers use it
      for (const d of (await openstack.listDomains(client)).filter((x) => x.name.startsWith(prefix)))
        await openstack.deleteDomain(client, d.id);
      return destroy;
    };
    t.after(async () => {
      await cleanUp();
      rmSync(work, { recursive: true, force: true });
    });

    const validate = await run('validate');
    assert.equal(validate.code, 0, validate.stderr + validate.stdout);
    const compiled = join(work, 'compiled');
    const compile = await run('compile', '--all', '--out', compiled);
    assert.equal(compile.code, 0, compile.stderr);
    assert.equal((await run('compile', '--all')).code, 0);
    const planFile = join(work, 'plan.json');
    const plan = await run('plan', ...scope, '--json', '--out', planFile);
    assert.equal(plan.code, 0, plan.stderr);
    // both environments are new: creating is allowed outside production's window
    const apply = await run('apply', ...scope, '--yes', '--json');
    assert.equal(apply.code, 0, apply.stderr + apply.stdout);
    for (const key of ['payment_api_key', 'smtp_password', 'session_secret']) {
      const r = await run(
        'lookup',
        `profile::muster_shop::${key}`,
        '--vm',
        'muster-ag/production/web2',
        '--explain',
      );
      assert.equal(r.code, 0, r.stderr);
    }
    // `aare serve --log` writes request logs: a few requests against the applied state
    const port = await freePort();
    const serveLog = join(logs, 'serve.log');
    const serveOut = openSync(serveLog, 'w');
    const serve = spawn(
      process.execPath,
      [join(projectRoot, 'bin/aare.mjs'), 'serve', '--log', '--port', String(port)],
      { cwd: repo, env, stdio: ['ignore', serveOut, serveOut] },
    );
    const served = new Promise<number | null>((resolve) => serve.on('close', resolve));
    try {
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + 60_000;
      for (;;) {
        const r = await fetch(`${base}/api/repo/distributions`).catch(() => undefined);
        if (r?.ok) break;
        assert.ok(Date.now() < deadline && serve.exitCode === null, 'aare serve did not answer');
        await new Promise((ok) => setTimeout(ok, 200));
      }
      for (const path of ['/api/repo/repositories', '/repos/muster-ag/test/', '/repos/muster-ag/production/'])
        await (await fetch(base + path)).arrayBuffer();
    } finally {
      serve.kill('SIGTERM');
      await served;
      closeSync(serveOut);
    }
    assert.match(readFileSync(serveLog, 'utf8'), /"url":"\/api\/repo\/repositories"/);

    const after = await run('plan', ...scope, '--json', '--detailed-exitcode');
    assert.equal(after.code, 0, `the plan after the apply shows changes: ${after.stderr}${after.stdout}`);

    // the secrets did reach the VMs: Nova holds user-data with them filled in
    const servers = (await openstack.listServers(client, { allTenants: true })).filter((s) =>
      s.name.startsWith(prefix),
    );
    assert.equal(servers.length, 6, servers.map((s) => s.name).join(', '));
    const userData = (name: string) => {
      const s = servers.find((x) => x.name === `${prefix}${name}`);
      assert.ok(s, `no server ${prefix}${name}`);
      return Buffer.from(s['OS-EXT-SRV-ATTR:user_data'] ?? '', 'base64').toString('utf8');
    };
    const web2 = loaded.value.vms.find(
      (v) => v.customer === 'muster-ag' && v.environment === 'production' && v.name === 'web2',
    );
    assert.ok(web2);
    const sentWeb2 = userData(web2.fqdn);
    for (const s of [SECRETS.vm, SECRETS.common, SECRETS.sensitiveType]) assert.ok(sentWeb2.includes(s), s);
    const web1 = loaded.value.vms.find(
      (v) => v.customer === 'muster-ag' && v.environment === 'test' && v.name === 'web1',
    );
    assert.ok(web1);
    assert.ok(userData(web1.fqdn).includes(SECRETS.customer));

    const destroy = await cleanUp();
    assert.equal(destroy?.code, 0, `${destroy?.stderr}${destroy?.stdout}`);
    assert.deepEqual(
      (await openstack.listServers(client, { allTenants: true }))
        .filter((s) => s.name.startsWith(prefix))
        .map((s) => s.name),
      [],
    );

    // Not vacuous: the state was written, the logs were, and each plaintext is in compiled output.
    const stateFiles = filesUnder(state);
    const db = join(state, 'state.db');
    assert.ok(stateFiles.includes(db), `no state.db in ${stateFiles.join(', ')}`);
    assert.ok(statSync(db).size > 0);
    // the grep reads the state as it is stored: what the apply recorded is found there as text
    const stored = stateFiles
      .filter((f) => basename(f).startsWith('state.db'))
      .map(bytesOf)
      .join('');
    assert.ok(stored.includes(latin1(`openstack.server.muster-ag/production/web2`)));
    const logFiles = filesUnder(logs);
    assert.ok(logFiles.some((f) => f.endsWith('-apply.stdout') && statSync(f).size > 0));
    const delivered = filesUnder(compiled).filter((f) => ['user-data', 'enc.yaml'].includes(basename(f)));
    for (const [name, s] of Object.entries(SECRETS)) {
      assert.ok(
        delivered.some((f) => bytesOf(f).includes(latin1(s))),
        `${name} is in no compiled user-data or enc.yaml`,
      );
    }

    const leaks: string[] = [];
    const candidates = [
      ...stateFiles,
      ...logFiles,
      planFile,
      ...filesUnder(compiled).filter((f) => !delivered.includes(f)),
    ];
    for (const f of candidates) {
      const bytes = bytesOf(f);
      for (const [name, s] of Object.entries(SECRETS)) {
        if (bytes.includes(latin1(s))) leaks.push(`${name} in ${relative(work, f)}`);
      }
    }
    assert.deepEqual(leaks, []);
  },
);
