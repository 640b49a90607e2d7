// Generates Hiera data for the benchmark: 50 resellers, 500 customers, 10,000 VMs, with the
// demo repository's hierarchy (VM, profiles via mapped_paths, role, customer, reseller, common),
// lookup_options (deep and unique merges) and interpolation. Deterministic, except for the eyaml
// variant's keys and ciphertext.
// The eyaml variant is the same data with the VM, customer, reseller and common levels read by
// `eyaml_lookup_key` from .eyaml files, and string values on each of them (including ones with
// interpolation, one inside an array, ones inside hashes that deep merges combine) as
// ENC[PKCS7,...] blocks, encrypted with a key pair made for the run (`keys/` beside hiera.yaml):
// every lookup gives the same answer as on the plain variant.
//   node --import tsx bench/hiera/generate.ts [OUT_DIR] [EYAML_OUT_DIR]
//   (default bench/out/hiera and bench/out/hiera-eyaml)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createKeys, encryptToEnc } from '../../src/hiera/index.js';

export const RESELLERS = 50;
export const CUSTOMERS = 500;
export const VMS = 10_000;
const ROLES = ['web', 'db', 'cache', 'worker', 'proxy', 'mail', 'build', 'monitor'];
const PROFILES = [
  'base',
  'nginx',
  'php',
  'postgres',
  'redis',
  'backup',
  'firewall',
  'postfix',
  'node',
  'java',
];

export interface BenchVm {
  name: string;
  customer: string;
  reseller: string;
  role: string;
  profiles: string[];
  facts: Record<string, unknown>;
}

export function benchVms(): BenchVm[] {
  const vms: BenchVm[] = [];
  for (let i = 0; i < VMS; i++) {
    const c = i % CUSTOMERS;
    const customer = `cust${String(c).padStart(3, '0')}`;
    const reseller = `res${String(c % RESELLERS).padStart(2, '0')}`;
    const role = ROLES[i % ROLES.length]!;
    const profiles = [
      'base',
      PROFILES[1 + (i % (PROFILES.length - 1))]!,
      PROFILES[1 + ((i * 7) % (PROFILES.length - 1))]!,
    ];
    const name = `vm${String(i).padStart(5, '0')}`;
    const fqdn = `${name}.${customer}.example.net`;
    vms.push({
      name,
      customer,
      reseller,
      role,
      profiles: [...new Set(profiles)],
      facts: {
        reseller,
        customer,
        role,
        profiles: [...new Set(profiles)],
        vm: name,
        environment: i % 3 === 0 ? 'test' : 'production',
        hostname: name,
        domain: `${customer}.example.net`,
        fqdn,
        clientcert: fqdn,
        os: { family: 'RedHat', release: { major: '9' } },
      },
    });
  }
  return vms;
}

function hieraYaml(eyaml: boolean): string {
  const ext = eyaml ? 'eyaml' : 'yaml';
  // the key paths are interpolated per lookup like a per-customer key's would be
  const secret = eyaml
    ? `\n    lookup_key: eyaml_lookup_key\n    options:\n      pkcs7_private_key: 'keys/private_key.pkcs7.pem'\n      pkcs7_public_key: 'keys/public_key.pkcs7.pem'`
    : '';
  return `version: 5
defaults:
  datadir: data
  data_hash: yaml_data
hierarchy:
  - name: 'VM'${secret}
    path: 'vm/%{facts.customer}/%{facts.vm}.${ext}'
  - name: 'Profiles'
    mapped_paths: [profiles, profile, 'profile/%{profile}.yaml']
  - name: 'Role'
    path: 'role/%{facts.role}.yaml'
  - name: 'Customer'${secret}
    path: 'customer/%{facts.customer}.${ext}'
  - name: 'Reseller'${secret}
    path: 'reseller/%{facts.reseller}.${ext}'
  - name: 'Common'${secret}
    path: 'common.${ext}'
`;
}

/** Writes the plain variant into `out`, or with `eyaml` the eyaml variant (and its keys). */
export function generate(out: string, eyaml = false): void {
  rmSync(out, { recursive: true, force: true });
  const w = (rel: string, text: string): void => {
    const p = join(out, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
  };
  const ext = eyaml ? 'eyaml' : 'yaml';
  // a string value as written: plain, or an ENC block (double-quoted: it may sit in a flow)
  let enc = (plain: string): string => JSON.stringify(plain);
  if (eyaml) {
    const keys = createKeys();
    w('keys/private_key.pkcs7.pem', keys.privateKeyPem);
    w('keys/public_key.pkcs7.pem', keys.publicKeyPem);
    enc = (plain) => JSON.stringify(encryptToEnc(plain, keys.publicKeyPem));
  }
  w('hiera.yaml', hieraYaml(eyaml));
  w(
    `data/common.${ext}`,
    `lookup_options:
  profile::base::packages: {merge: unique}
  '^profile::.*::settings$': {merge: deep}
  users: {merge: {strategy: deep, knockout_prefix: '--'}}
profile::base::packages: [vim, curl, htop]
profile::base::ntp_servers: [${enc('ntp1.example.net')}, ntp2.example.net]
profile::base::motd: ${enc("Managed by %{lookup('provider_name')} for %{facts.customer} (%{facts.fqdn})")}
provider_name: Example Cloud
profile::nginx::settings: {worker_processes: 2, gzip: true, listen: [80]}
users:
  root: {uid: 0, shell: /bin/bash}
backup::retention_days: 7
dns::search: ${enc('%{facts.domain}')}
`,
  );
  for (let r = 0; r < RESELLERS; r++) {
    const res = `res${String(r).padStart(2, '0')}`;
    w(
      `data/reseller/${res}.${ext}`,
      `provider_name: ${enc(`Reseller ${res}`)}\nbackup::retention_days: ${7 + (r % 7)}\nprofile::base::packages: [${res}-agent]\nusers:\n  ${res}-admin: {uid: ${2000 + r}}\n`,
    );
  }
  for (let c = 0; c < CUSTOMERS; c++) {
    const cust = `cust${String(c).padStart(3, '0')}`;
    w(
      `data/customer/${cust}.${ext}`,
      `profile::nginx::settings: {worker_processes: ${1 + (c % 8)}, server_name: ${enc(`www.${cust}.example`)}}\nprofile::base::packages: [${cust}-tools, vim]\nusers:\n  ${cust}: {uid: ${10000 + c}, groups: [staff]}\n  --root: ~\nbackup::retention_days: ${14 + (c % 30)}\n`,
    );
  }
  ROLES.forEach((role, i) =>
    w(
      `data/role/${role}.yaml`,
      `profile::base::packages: [${role}-meta]\nprofile::nginx::settings: {keepalive: ${i + 5}}\n`,
    ),
  );
  for (const p of PROFILES)
    w(`data/profile/${p}.yaml`, `profile::base::packages: [${p}-pkg]\n${p}::enabled: true\n`);
  for (const vm of benchVms()) {
    if (Number(vm.name.slice(2)) % 4 !== 0) continue; // a quarter of the VMs have their own file
    w(
      `data/vm/${vm.customer}/${vm.name}.${ext}`,
      `profile::nginx::settings: {worker_processes: 16}\nusers:\n  ${vm.name}-svc: {uid: 30000, groups: [--staff, ${enc('svc')}]}\nbackup::retention_days: 90\n`,
    );
  }
  const sample = benchVms()[4]!;
  w('facts-sample.json', JSON.stringify(sample.facts, null, 2));
}

/** The mix of lookups the benchmark runs per VM: [key, merge or undefined]. */
export const LOOKUP_MIX: [string, string | undefined][] = [
  ['backup::retention_days', undefined],
  ['profile::base::motd', undefined],
  ['dns::search', undefined],
  ['profile::base::ntp_servers.0', undefined],
  ['profile::base::packages', undefined],
  ['profile::nginx::settings', undefined],
  ['users', undefined],
  ['profile::base::packages', 'unique'],
];

if (process.argv[1]?.endsWith('generate.ts')) {
  const out = resolve(process.argv[2] ?? 'bench/out/hiera');
  const eyamlOut = resolve(process.argv[3] ?? 'bench/out/hiera-eyaml');
  generate(out);
  generate(eyamlOut, true);
  process.stdout.write(
    `generated ${RESELLERS} resellers, ${CUSTOMERS} customers, ${VMS} VMs in ${out} (plain) and ${eyamlOut} (eyaml)\n`,
  );
}
