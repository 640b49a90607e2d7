// Generates a control repository with many VMs for the compile benchmark: the demo's provider,
// Hiera configuration, profiles, templates, roles and data, plus generated resellers and
// customers (each with a test and a production network) whose VMs use the demo's standard roles,
// with customer- and VM-level Hiera data so that every hierarchy level is exercised.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const roles = ['web', 'db_postgres', 'db_mariadb', 'loadbalancer'] as const;

export interface GeneratedRepo {
  dir: string;
  vms: number;
  customers: number;
}

/**
 * Writes the repository into `dir` (replacing it) with about `vmCount` VMs: `vmsPerEnv` VMs in
 * each of a customer's two environments, customers spread over 10 resellers.
 */
export function generateRepo(demoDir: string, dir: string, vmCount: number, vmsPerEnv = 25): GeneratedRepo {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const part of ['aare.yaml', 'hiera.yaml', 'profiles', 'roles', 'data', 'packages']) {
    cpSync(join(demoDir, part), join(dir, part), { recursive: true });
  }
  // the demo's own tenants stay: their customer-specific profiles and roles need them
  cpSync(join(demoDir, 'tenants'), join(dir, 'tenants'), { recursive: true });

  const customers = Math.ceil(vmCount / (2 * vmsPerEnv));
  let vms = 0;
  for (let r = 0; r < 10; r++) {
    const reseller = `bench-reseller-${r}`;
    mkdirSync(join(dir, 'tenants', reseller), { recursive: true });
    writeFileSync(
      join(dir, 'tenants', `${reseller}.yaml`),
      `displayName: Bench Reseller ${r}\ncontact:\n  name: Bench Ops ${r}\n  email: ops${r}@bench.example\n`,
    );
    writeFileSync(
      join(dir, 'data', 'reseller', `${reseller}.yaml`),
      `profile::base::motd: 'Bench reseller ${r} - managed by Example Cloud AG'\nprofile::monitoring_agent::interval: ${30 + r}\n`,
    );
  }
  mkdirSync(join(dir, 'data', 'vm'), { recursive: true });
  for (let c = 0; c < customers; c++) {
    const customer = `bench-c${String(c).padStart(4, '0')}`;
    const reseller = `bench-reseller-${c % 10}`;
    const lines = [
      `displayName: Bench Customer ${c}`,
      'contact:',
      `  name: Customer ${c}`,
      `  email: it@${customer}.example`,
      'environments:',
      '  test:',
      '    network:',
      `      cidr: 10.${100 + (c >> 8)}.${c & 255}.0/25`,
      '  production:',
      '    network:',
      `      cidr: 10.${100 + (c >> 8)}.${c & 255}.128/25`,
      'vms:',
    ];
    const vmData: string[] = [];
    for (let i = 0; i < vmsPerEnv && vms < vmCount; i++) {
      const role = roles[(c + i) % roles.length]!;
      const name = `${role.replace(/_/g, '-')}${i}`;
      lines.push(
        `  ${name}:`,
        `    role: ${role}`,
        `    flavor: ${i % 3 === 0 ? 'm1.medium' : 'm1.small'}`,
        '    image: rocky-9',
        '    environments: [test, production]',
      );
      if (i % 5 === 0) {
        lines.push('    facts:', `      rack: r${i % 7}`);
        vmData.push(name);
      }
      vms += 2;
    }
    writeFileSync(join(dir, 'tenants', reseller, `${customer}.yaml`), lines.join('\n') + '\n');
    writeFileSync(
      join(dir, 'data', 'customer', `${customer}.yaml`),
      [
        'profile::haproxy::backends:',
        `  - { name: web0, address: 'web0.production.${customer}.cloud.example.ch', port: 80 }`,
        `  - { name: web1, address: 'web1.production.${customer}.cloud.example.ch', port: 80 }`,
        'profile::webserver::vhosts:',
        `  'www.${customer}.example':`,
        `    docroot: /var/www/${customer}`,
        `    server_aliases: ['${customer}.example']`,
        'profile::postgresql::databases:',
        `  app: { owner: app }`,
        'profile::base::sysctl:',
        `  vm.swappiness: ${c % 60}`,
        '',
      ].join('\n'),
    );
    if (vmData.length > 0) {
      mkdirSync(join(dir, 'data', 'vm', customer), { recursive: true });
      for (const name of vmData) {
        writeFileSync(
          join(dir, 'data', 'vm', customer, `${name}.yaml`),
          `profile::php::fpm_max_children: ${20 + (name.length % 10)}\nprofile::base::sysctl:\n  net.core.somaxconn: 1024\n`,
        );
      }
    }
  }
  return { dir, vms, customers };
}
