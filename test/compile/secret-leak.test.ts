// Secrets from Hiera stay secret: a copy of the demo gains hiera-eyaml values on three levels
// (common, customer, VM) and a `Sensitive[String]` parameter with a plain value; after
// validate, compile (JSON and --out), lookup --explain and, with the lab, plan --json and
// plan --out, each plaintext is found only in user-data and enc.yaml files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
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

test('Hiera secrets reach only user-data and the ENC', async (t) => {
  ensureBuilt();
  const work = mkdtempSync(join(tmpdir(), 'aare-secret-leak-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const repo = join(work, 'repo');
  const state = join(work, 'state');
  cpSync(join(projectRoot, 'examples/demo'), repo, { recursive: true, filter: (s) => !s.includes('/.aare') });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AARE_STATE_DIR: state,
    AARE_OPENSTACK_PREFIX: `s${Date.now().toString(36)}-`,
  };
  delete env.AARE_DATABASE_URL;
  const outputs: { args: string[]; stdout: string; stderr: string }[] = [];
  const aare = (...args: string[]) => {
    const r = spawnSync(process.execPath, [join(projectRoot, 'bin/aare.mjs'), ...args], {
      cwd: repo,
      env,
      encoding: 'utf8',
      input: '',
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
