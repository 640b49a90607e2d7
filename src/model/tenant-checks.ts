// tenants/: resellers, customers, their environments and networks, and their VMs (flattened to
// one entry per environment). Also checks the customer fields of profiles and roles, which can
// only be checked once the customers are known.
import { cidrsOverlap, parseCidr } from './cidr-net.js';
import type { Cidr } from './cidr-net.js';
import { didYouMean } from './check-findings.js';
import type { Findings } from './check-findings.js';
import type { ControlRepoFiles } from './control-repo-files.js';
import type { ControlRepo, Customer, Environment, Reseller, Vm } from './model-types.js';
import { checkProductionWindow } from './maintenance-checks.js';
import { dnsLabelProblem } from './name-rules.js';
import { keyRange, pos1, valueRange } from './yaml-file.js';
import type { NodePath, YamlFile } from './yaml-file.js';

/** Facts Aare sets itself; a VM's declared facts may not replace them. */
export const builtinFacts = [
  'reseller',
  'customer',
  'environment',
  'role',
  'profiles',
  'vm',
  'hostname',
  'domain',
  'fqdn',
  'clientcert',
] as const;

export function buildTenants(f: Findings, files: ControlRepoFiles, controlRepo: ControlRepo): void {
  for (const { name, yaml: y, data } of files.resellers) {
    const source = pos1(y.file);
    const problem = dnsLabelProblem(name);
    if (problem) f.at('INVALID_DNS_LABEL', `reseller name '${name}' (from the file name) ${problem}`, source);
    const reseller: Reseller = {
      name,
      displayName: data.displayName,
      contact: data.contact,
      customers: [],
      source,
    };
    controlRepo.resellers.set(name, reseller);
  }

  const provider = controlRepo.provider;
  const shared = new Set(provider.sharedRepositories ?? []);
  for (const { name, reseller, yaml: y, data } of files.customers) {
    const source = pos1(y.file);
    const owner = controlRepo.resellers.get(reseller);
    if (!owner && !files.broken.resellers.has(reseller)) {
      f.at(
        'UNKNOWN_REFERENCE',
        `customer '${name}' is under reseller '${reseller}', which has no tenants/${reseller}.yaml`,
        source,
      );
    }
    const problem = dnsLabelProblem(name);
    if (problem) f.at('INVALID_DNS_LABEL', `customer name '${name}' (from the file name) ${problem}`, source);
    const other = controlRepo.customers.get(name);
    if (other) {
      f.at(
        'DUPLICATE_NAME',
        `customer '${name}' is declared twice (also in ${other.source.file}); customer names are unique across resellers`,
        source,
      );
      continue;
    }
    if (shared.has(name))
      f.at('DUPLICATE_NAME', `customer '${name}' has the name of a shared repository in aare.yaml`, source);

    const environments = new Map<string, Environment>();
    const networks: { env: string; cidr: Cidr }[] = [];
    for (const [env, e] of Object.entries(data.environments)) {
      const at: NodePath = ['environments', env];
      const envProblem = dnsLabelProblem(env);
      if (envProblem) f.at('INVALID_DNS_LABEL', `environment name '${env}' ${envProblem}`, keyRange(y, at));
      const r = parseCidr(e.network.cidr);
      if (r.problem) f.at('CIDR_INVALID', r.problem, valueRange(y, [...at, 'network', 'cidr']));
      else if (r.cidr) {
        const clash = networks.find((n) => cidrsOverlap(n.cidr, r.cidr!));
        if (clash)
          f.at(
            'CIDR_OVERLAP',
            `network ${r.cidr.text} of environment '${env}' overlaps ${clash.cidr.text} of environment '${clash.env}'`,
            valueRange(y, [...at, 'network', 'cidr']),
          );
        networks.push({ env, cidr: r.cidr });
      }
      const environment: Environment = { name: env, network: e.network, source: keyRange(y, at) };
      if (e.productionWindow) {
        environment.productionWindow = e.productionWindow;
        const m = controlRepo.provider.maintenance;
        checkProductionWindow(f, y, [...at, 'productionWindow'], env, e.productionWindow, m);
      }
      environments.set(env, environment);
    }
    if (!environments.has('test'))
      f.at(
        'SCHEMA',
        `customer '${name}' has no 'test' environment: every change goes to test first`,
        keyRange(y, ['environments']),
      );

    const customer: Customer = {
      name,
      reseller,
      displayName: data.displayName,
      contact: data.contact,
      environments,
      source,
    };
    controlRepo.customers.set(name, customer);
    owner?.customers.push(name);

    buildVms(f, y, customer, data, controlRepo, files);
  }

  // customer fields of profiles and roles (the files were built before the customers)
  for (const { name, yaml: y, data } of files.profiles) {
    if (data.customer !== undefined && !knownCustomer(data.customer, controlRepo, files))
      f.at(
        'UNKNOWN_REFERENCE',
        `profile '${name}': unknown customer '${data.customer}'${didYouMean(data.customer, controlRepo.customers.keys())}`,
        valueRange(y, ['customer']),
      );
  }
  for (const { name, yaml: y, data } of files.roles) {
    if (data.customer !== undefined && !knownCustomer(data.customer, controlRepo, files))
      f.at(
        'UNKNOWN_REFERENCE',
        `role '${name}': unknown customer '${data.customer}'${didYouMean(data.customer, controlRepo.customers.keys())}`,
        valueRange(y, ['customer']),
      );
  }
}

/** Whether a customer of that name exists, or has a file that did not load. */
export function knownCustomer(name: string, controlRepo: ControlRepo, files: ControlRepoFiles): boolean {
  return controlRepo.customers.has(name) || files.broken.customers.has(name);
}

function buildVms(
  f: Findings,
  y: YamlFile,
  customer: Customer,
  data: ControlRepoFiles['customers'][number]['data'],
  controlRepo: ControlRepo,
  files: ControlRepoFiles,
): void {
  const provider = controlRepo.provider;
  const flavors = provider.flavors ?? {};
  const images = provider.images ?? {};
  const providerOk = files.provider !== undefined;
  // names per environment, to catch a VM named like another VM's DNS name
  const dnsNamesByEnv = new Map<string, Map<string, string>>();

  for (const [vmName, decl] of Object.entries(data.vms)) {
    const at: NodePath = ['vms', vmName];
    const problem = dnsLabelProblem(vmName);
    if (problem) f.at('INVALID_DNS_LABEL', `VM name '${vmName}' ${problem}`, keyRange(y, at));

    const role = controlRepo.roles.get(decl.role);
    if (!role && !files.broken.roles.has(decl.role))
      f.at(
        'UNKNOWN_REFERENCE',
        `unknown role '${decl.role}'${didYouMean(decl.role, controlRepo.roles.keys())}`,
        valueRange(y, [...at, 'role']),
      );
    if (role?.customer !== undefined && role.customer !== customer.name)
      f.at(
        'CUSTOMER_SCOPE',
        `role '${role.name}' belongs to customer '${role.customer}', not '${customer.name}'`,
        valueRange(y, [...at, 'role']),
      );
    const checkFlavor = (flavor: string, path: NodePath) => {
      if (providerOk && !(flavor in flavors))
        f.at(
          'UNKNOWN_REFERENCE',
          `unknown flavor '${flavor}'${didYouMean(flavor, Object.keys(flavors))} (flavors are declared in aare.yaml)`,
          valueRange(y, path),
        );
    };
    const checkImage = (image: string, path: NodePath) => {
      if (providerOk && !(image in images))
        f.at(
          'UNKNOWN_REFERENCE',
          `unknown image '${image}'${didYouMean(image, Object.keys(images))} (images are declared in aare.yaml)`,
          valueRange(y, path),
        );
    };
    checkFlavor(decl.flavor, [...at, 'flavor']);
    checkImage(decl.image, [...at, 'image']);
    const checkFacts = (facts: Record<string, unknown>, path: NodePath) => {
      for (const key of Object.keys(facts)) {
        if ((builtinFacts as readonly string[]).includes(key))
          f.at(
            'DUPLICATE_NAME',
            `fact '${key}' is set by Aare and cannot be declared`,
            keyRange(y, [...path, key]),
          );
      }
    };
    checkFacts(decl.facts, [...at, 'facts']);

    const envs = new Set<string>();
    decl.environments.forEach((env, i) => {
      const envAt = valueRange(y, [...at, 'environments', i]);
      if (envs.has(env)) f.at('DUPLICATE_NAME', `environment '${env}' is listed twice`, envAt);
      else if (!customer.environments.has(env))
        f.at(
          'UNKNOWN_REFERENCE',
          `customer '${customer.name}' has no environment '${env}'${didYouMean(env, customer.environments.keys())}`,
          envAt,
        );
      envs.add(env);
    });
    for (const [env, o] of Object.entries(decl.overrides)) {
      const oAt: NodePath = [...at, 'overrides', env];
      if (!envs.has(env)) {
        f.at(
          'UNKNOWN_REFERENCE',
          `override for environment '${env}', which VM '${vmName}' is not in`,
          keyRange(y, oAt),
        );
        continue;
      }
      if (o.flavor !== undefined) checkFlavor(o.flavor, [...oAt, 'flavor']);
      if (o.image !== undefined) checkImage(o.image, [...oAt, 'image']);
      if (o.facts) checkFacts(o.facts, [...oAt, 'facts']);
    }

    const profiles = role?.profiles ?? [];
    for (const env of envs) {
      if (!customer.environments.has(env)) continue;
      const o = decl.overrides[env] ?? {};
      const fqdn = `${vmName}.${env}.${customer.name}.${provider.dnsDomain ?? ''}`;
      const vm: Vm = {
        address: `${customer.name}/${env}/${vmName}`,
        name: vmName,
        reseller: customer.reseller,
        customer: customer.name,
        environment: env,
        role: decl.role,
        profiles,
        flavor: o.flavor ?? decl.flavor,
        image: o.image ?? decl.image,
        fqdn,
        facts: { ...decl.facts, ...(o.facts ?? {}) },
        source: keyRange(y, at),
      };
      controlRepo.vms.push(vm);
      let names = dnsNamesByEnv.get(env);
      if (!names) dnsNamesByEnv.set(env, (names = new Map()));
      for (const p of profiles) {
        for (const n of controlRepo.profiles.get(p)?.dnsNames ?? [])
          if (!names.has(n)) names.set(n, `${vmName} (profile ${p})`);
      }
    }
  }
  for (const [env, names] of dnsNamesByEnv) {
    for (const vmName of Object.keys(data.vms)) {
      const owner = names.get(vmName);
      if (owner && data.vms[vmName]?.environments.includes(env))
        f.at(
          'DUPLICATE_NAME',
          `VM '${vmName}' has the same name as a DNS name of VM ${owner} in environment '${env}'`,
          keyRange(y, ['vms', vmName]),
        );
    }
  }
}
