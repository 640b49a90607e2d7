// Generates Hiera data for the benchmark: 50 resellers, 500 customers, 10,000 VMs, with the
// demo repository's hierarchy (VM, profiles via mapped_paths, role, customer, reseller, common),
// lookup_options (deep and unique merges) and interpolation. Deterministic.
//   node --import tsx bench/hiera/generate.ts [OUT_DIR]   (default bench/out/hiera)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

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

const HIERA = `version: 5
defaults:
  datadir: data
  data_hash: yaml_data
hierarchy:
  - name: 'VM'
    path: 'vm/%{facts.customer}/%{facts.vm}.yaml'
  - name: 'Profiles'
    mapped_paths: [profiles, profile, 'profile/%{profile}.yaml']
  - name: 'Role'
    path: 'role/%{facts.role}.yaml'
  - name: 'Customer'
    path: 'customer/%{facts.customer}.yaml'
  - name: 'Reseller'
    path: 'reseller/%{facts.reseller}.yaml'
  - name: 'Common'
    path: 'common.yaml'
`;

export function generate(out: string): void {
  rmSync(out, { recursive: true, force: true });
  const w = (rel: string, text: string): void => {
    const p = join(out, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
  };
  w('hiera.yaml', HIERA);
  w(
    'data/common.yaml',
    `lookup_options:
  profile::base::packages: {merge: unique}
  '^profile::.*::settings$': {merge: deep}
  users: {merge: {strategy: deep, knockout_prefix: '--'}}
profile::base::packages: [vim, curl, htop]
profile::base::ntp_servers: [ntp1.example.net, ntp2.example.net]
profile::base::motd: "Managed by %{lookup('provider_name')} for %{facts.customer} (%{facts.fqdn})"
provider_name: Example Cloud
profile::nginx::settings: {worker_processes: 2, gzip: true, listen: [80]}
users:
  root: {uid: 0, shell: /bin/bash}
backup::retention_days: 7
dns::search: "%{facts.domain}"
`,
  );
  for (let r = 0; r < RESELLERS; r++) {
    const res = `res${String(r).padStart(2, '0')}`;
    w(
      `data/reseller/${res}.yaml`,
      `provider_name: "Reseller ${res}"\nbackup::retention_days: ${7 + (r % 7)}\nprofile::base::packages: [${res}-agent]\nusers:\n  ${res}-admin: {uid: ${2000 + r}}\n`,
    );
  }
  for (let c = 0; c < CUSTOMERS; c++) {
    const cust = `cust${String(c).padStart(3, '0')}`;
    w(
      `data/customer/${cust}.yaml`,
      `profile::nginx::settings: {worker_processes: ${1 + (c % 8)}, server_name: "www.${cust}.example"}\nprofile::base::packages: [${cust}-tools, vim]\nusers:\n  ${cust}: {uid: ${10000 + c}, groups: [staff]}\n  --root: ~\nbackup::retention_days: ${14 + (c % 30)}\n`,
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
      `data/vm/${vm.customer}/${vm.name}.yaml`,
      `profile::nginx::settings: {worker_processes: 16}\nusers:\n  ${vm.name}-svc: {uid: 30000, groups: [--staff, svc]}\nbackup::retention_days: 90\n`,
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
  generate(out);
  process.stdout.write(`generated ${RESELLERS} resellers, ${CUSTOMERS} customers, ${VMS} VMs in ${out}\n`);
}
