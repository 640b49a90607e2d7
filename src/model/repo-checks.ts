// Builds the model from the loaded files and checks what one file's schema cannot: names,
// references between files, duplicates, DNS labels, networks, Puppet types and the values
// checked against them. Each finding points at the node it is about.
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { error } from '../diag/index.js';
import type { Diagnostic, ErrorCode, SourceRange } from '../diag/index.js';
import { checkValue, parseType, typeAliasNames } from '../puppet-types/index.js';
import type { PType } from '../puppet-types/index.js';
import { cidrsOverlap, parseCidr } from './cidr-net.js';
import type { Cidr } from './cidr-net.js';
import type {
  ControlRepo,
  Customer,
  Environment,
  PackageDef,
  Profile,
  ProfileParameter,
  Provider,
  Reseller,
  Role,
  Vm,
} from './model-types.js';
import {
  closest,
  dnsLabelProblem,
  dnsNameProblem,
  packageNameProblem,
  puppetNameProblem,
} from './name-rules.js';
import type { RepoFiles } from './repo-loader.js';
import { keyRange, locate, pos1, positionInNode, valueRange } from './yaml-file.js';
import type { NodePath, YamlFile } from './yaml-file.js';
import { isScalar } from 'yaml';
import type { Node } from 'yaml';

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

/** Alias maps of repositories whose aare.yaml did not load: nothing is checked against them. */
const unknownAliases = new WeakSet<ReadonlyMap<string, PType>>();

class Findings {
  constructor(readonly list: Diagnostic[]) {}
  at(code: ErrorCode, summary: string, source: SourceRange): void {
    this.list.push(error(code, summary, { source }));
  }
}

const didYouMean = (name: string, known: Iterable<string>) => {
  const c = closest(name, known);
  return c ? `; did you mean '${c}'?` : '';
};

export function checkRepo(files: RepoFiles, diagnostics: Diagnostic[]): ControlRepo {
  const f = new Findings(diagnostics);
  const provider = files.provider?.data ?? emptyProvider();
  const repo: ControlRepo = {
    root: files.root,
    provider,
    hieraConfigFile: join(files.root, 'hiera.yaml'),
    profiles: new Map(),
    roles: new Map(),
    resellers: new Map(),
    customers: new Map(),
    vms: [],
    packages: new Map(),
    typeAliases: new Map(),
  };
  if (files.provider) checkProvider(f, files.provider.yaml, provider, repo);
  else unknownAliases.add(repo.typeAliases);
  buildProfiles(f, files, repo);
  buildRoles(f, files, repo);
  buildTenants(f, files, repo);
  buildPackages(f, files, repo);
  repo.vms.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return repo;
}

/**
 * Stands in for an aare.yaml that did not load, so that code reading a partial model finds
 * empty lists rather than undefined. Its diagnostics already say what is wrong.
 */
function emptyProvider(): Provider {
  const none = '';
  return {
    name: none,
    dnsDomain: none,
    endpoints: {
      openstack: { cloud: none },
      dns: { api: none, apiKey: none, server: 'localhost' },
      repository: { baseUrl: none },
      backup: { repository: none, password: none },
      logging: { target: none, protocol: 'tcp' },
      mail: { relay: none },
    },
    users: [],
    packageSigning: { key: none },
    maintenance: {
      timezone: 'Europe/Zurich',
      freeze: { dayOfMonth: 1, time: '00:00' },
      test: { afterFreeze: 'P0D' },
      production: { afterFreeze: 'P7D', requiresAcceptance: true },
    },
    flavors: {},
    images: {},
    typeAliases: {},
    sharedRepositories: [],
    source: pos1('aare.yaml'),
  };
}

// ---------------------------------------------------------------------------------------------

function checkProvider(f: Findings, y: YamlFile, p: Provider, repo: ControlRepo): void {
  const label = dnsLabelProblem(p.name);
  if (label) f.at('INVALID_DNS_LABEL', `provider name '${p.name}' ${label}`, valueRange(y, ['name']));
  for (const name of Object.keys(p.flavors)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
      f.at(
        'INVALID_NAME',
        `flavor name '${name}' may contain only letters, digits, '.', '_' and '-'`,
        keyRange(y, ['flavors', name]),
      );
  }
  for (const name of Object.keys(p.images)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
      f.at(
        'INVALID_NAME',
        `image name '${name}' may contain only letters, digits, '.', '_' and '-'`,
        keyRange(y, ['images', name]),
      );
  }
  const users = new Set<string>();
  p.users.forEach((u, i) => {
    if (users.has(u.name))
      f.at('DUPLICATE_NAME', `user '${u.name}' is declared twice`, valueRange(y, ['users', i, 'name']));
    users.add(u.name);
  });
  if (!isTimeZone(p.maintenance.timezone))
    f.at(
      'SCHEMA',
      `unknown time zone '${p.maintenance.timezone}' (expected an IANA name such as Europe/Zurich)`,
      valueRange(y, ['maintenance', 'timezone']),
    );
  const shared = new Set<string>();
  p.sharedRepositories.forEach((r, i) => {
    const problem = dnsLabelProblem(r);
    if (problem)
      f.at(
        'INVALID_DNS_LABEL',
        `repository name '${r}' ${problem}`,
        valueRange(y, ['sharedRepositories', i]),
      );
    if (shared.has(r))
      f.at(
        'DUPLICATE_NAME',
        `shared repository '${r}' is listed twice`,
        valueRange(y, ['sharedRepositories', i]),
      );
    shared.add(r);
  });

  // type aliases: names first (so aliases may refer to each other), then their definitions
  const aliasTexts = Object.entries(p.typeAliases);
  for (const [name] of aliasTexts) {
    if (!/^[A-Z][A-Za-z0-9_]*(::[A-Z][A-Za-z0-9_]*)*$/.test(name))
      f.at(
        'INVALID_NAME',
        `type alias '${name}' must be capitalised like Puppet's (e.g. Aare::Port)`,
        keyRange(y, ['typeAliases', name]),
      );
  }
  const parsed: [string, PType][] = [];
  for (const [name] of aliasTexts) {
    const t = parseTypeAt(f, y, ['typeAliases', name]);
    if (t) parsed.push([name, t]);
  }
  for (const [name, t] of parsed) repo.typeAliases.set(name, t);
  for (const [name] of parsed)
    checkAliasRefs(f, y, ['typeAliases', name], repo.typeAliases.get(name)!, repo.typeAliases);
}

/** Zones that need no look-up: asking Intl loads ICU's time zone data (some 30 ms of CPU). */
const commonZones = new Set([
  'UTC',
  'Europe/Zurich',
  'Europe/Berlin',
  'Europe/Vienna',
  'Europe/Paris',
  'Europe/London',
]);

function isTimeZone(tz: string): boolean {
  if (commonZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Parses the Puppet type written at `path`; syntax errors point into the string. */
function parseTypeAt(f: Findings, y: YamlFile, path: NodePath): PType | undefined {
  const node = locate(y, path).node;
  const text = isScalar(node) ? String(node.value) : '';
  const r = parseType(text);
  if (r.errors.length > 0 || !r.type) {
    for (const e of r.errors.slice(0, 1)) {
      const source = node ? positionInNode(y, node, e.offset, e.length) : valueRange(y, path);
      f.at('TYPE_SYNTAX', `type '${text}': ${e.message}`, source);
    }
    if (r.errors.length === 0) f.at('TYPE_SYNTAX', `type '${text}' does not parse`, valueRange(y, path));
    return undefined;
  }
  return r.type;
}

function checkAliasRefs(
  f: Findings,
  y: YamlFile,
  path: NodePath,
  t: PType,
  aliases: ReadonlyMap<string, PType>,
): boolean {
  // aare.yaml did not load: its aliases are unknown, and its own diagnostics say why
  if (unknownAliases.has(aliases)) return false;
  let ok = true;
  for (const name of typeAliasNames(t)) {
    if (aliases.has(name)) continue;
    ok = false;
    const node = locate(y, path).node;
    const text = isScalar(node) ? String(node.value) : '';
    const offset = Math.max(0, text.indexOf(name));
    const source = node ? positionInNode(y, node as Node, offset, name.length) : valueRange(y, path);
    f.at(
      'UNKNOWN_REFERENCE',
      `unknown type '${name}'${didYouMean(name, aliases.keys())} (aliases are declared in aare.yaml typeAliases)`,
      source,
    );
  }
  return ok;
}

// ---------------------------------------------------------------------------------------------

function buildProfiles(f: Findings, files: RepoFiles, repo: ControlRepo): void {
  const classes = new Map<string, string>();
  for (const { name, yaml: y, data } of files.profiles) {
    const source = pos1(y.file);
    const nameProblem = puppetNameProblem(name);
    if (nameProblem) {
      f.at('INVALID_NAME', `profile name '${name}' (from the file name) ${nameProblem}`, source);
      continue;
    }
    const other = repo.profiles.get(name);
    if (other) {
      // ambiguous from now on: references to it are not checked, so the one mistake shows once
      f.at('DUPLICATE_NAME', `profile '${name}' is declared twice (also in ${other.source.file})`, source);
      repo.profiles.delete(name);
      files.broken.profiles.add(name);
      continue;
    }
    if (files.broken.profiles.has(name)) continue;
    const puppetClass = data.class ?? `profile::${name}`;
    const classOwner = classes.get(puppetClass);
    if (classOwner) {
      const at = data.class ? valueRange(y, ['class']) : source;
      f.at(
        'DUPLICATE_NAME',
        `Puppet class '${puppetClass}' is already the class of profile '${classOwner}'`,
        at,
      );
    }
    classes.set(puppetClass, name);

    const parameters = new Map<string, ProfileParameter>();
    for (const [pname, p] of Object.entries(data.parameters)) {
      const at: NodePath = ['parameters', pname];
      const problem = puppetNameProblem(pname);
      if (problem) f.at('INVALID_NAME', `parameter name '${pname}' ${problem}`, keyRange(y, at));
      const type = parseTypeAt(f, y, [...at, 'type']);
      if (!type) {
        files.broken.parameters.add(`${puppetClass}::${pname}`);
        continue;
      }
      const param: ProfileParameter = {
        type,
        typeText: p.type,
        required: !('default' in p),
        source: keyRange(y, at),
      };
      if ('default' in p) param.default = p.default;
      if (p.doc !== undefined) param.doc = p.doc;
      parameters.set(pname, param);
      if (!checkAliasRefs(f, y, [...at, 'type'], type, repo.typeAliases)) continue;
      if ('default' in p) {
        const mismatch = checkValue(type, p.default ?? undefined, repo.typeAliases);
        if (mismatch)
          f.at(
            'TYPE_MISMATCH',
            `default of parameter '${pname}' ${mismatch}`,
            valueRange(y, [...at, 'default']),
          );
      }
    }

    const files_: Profile['files'] = [];
    const paths = new Set<string>();
    data.files.forEach((file, i) => {
      if (paths.has(file.path))
        f.at('DUPLICATE_NAME', `file '${file.path}' is declared twice`, valueRange(y, ['files', i, 'path']));
      paths.add(file.path);
      const template = posix.normalize(file.template);
      const templateFile = join(files.root, 'profiles', 'templates', template);
      if (template.startsWith('..') || posix.isAbsolute(template))
        f.at(
          'SCHEMA',
          `template '${file.template}' must be a path under profiles/templates/`,
          valueRange(y, ['files', i, 'template']),
        );
      else if (!existsSync(templateFile))
        f.at(
          'UNKNOWN_REFERENCE',
          `template 'profiles/templates/${template}' does not exist`,
          valueRange(y, ['files', i, 'template']),
        );
      files_.push({ ...file, template, templateFile });
    });

    data.firewall.forEach((rule, i) => {
      if (rule.from === 'any') return;
      const r = parseCidr(rule.from);
      if (r.problem)
        f.at(
          'CIDR_INVALID',
          `firewall source: ${r.problem} (or 'any')`,
          valueRange(y, ['firewall', i, 'from']),
        );
    });
    data.dnsNames.forEach((n, i) => {
      const problem = dnsNameProblem(n);
      if (problem) f.at('INVALID_DNS_LABEL', `DNS name '${n}': ${problem}`, valueRange(y, ['dnsNames', i]));
    });

    const profile: Profile = {
      name,
      description: data.description,
      puppetClass,
      parameters,
      packages: data.packages,
      services: data.services,
      files: files_,
      firewall: data.firewall,
      backup: data.backup,
      logs: data.logs,
      dnsNames: data.dnsNames,
      sendsMail: data.sendsMail,
      source,
    };
    if (data.customer !== undefined) profile.customer = data.customer;
    repo.profiles.set(name, profile);
  }
}

// ---------------------------------------------------------------------------------------------

function buildRoles(f: Findings, files: RepoFiles, repo: ControlRepo): void {
  for (const { name, yaml: y, data } of files.roles) {
    const source = pos1(y.file);
    const problem = puppetNameProblem(name);
    if (problem) {
      f.at('INVALID_NAME', `role name '${name}' (from the file name) ${problem}`, source);
      continue;
    }
    const other = repo.roles.get(name);
    if (other) {
      f.at('DUPLICATE_NAME', `role '${name}' is declared twice (also in ${other.source.file})`, source);
      repo.roles.delete(name);
      files.broken.roles.add(name);
      continue;
    }
    if (files.broken.roles.has(name)) continue;
    const customers = new Set([...files.customers.map((c) => c.name), ...files.broken.customers]);
    // an unknown owner is reported with the customers; it must not cause echoes here
    let owner = data.customer !== undefined && customers.has(data.customer) ? data.customer : undefined;
    const seen = new Set<string>();
    const known: Profile[] = [];
    data.profiles.forEach((p, i) => {
      const at = valueRange(y, ['profiles', i]);
      if (seen.has(p)) f.at('DUPLICATE_NAME', `profile '${p}' is listed twice`, at);
      seen.add(p);
      const profile = repo.profiles.get(p);
      if (!profile) {
        if (!files.broken.profiles.has(p))
          f.at('UNKNOWN_REFERENCE', `unknown profile '${p}'${didYouMean(p, repo.profiles.keys())}`, at);
        return;
      }
      known.push(profile);
      if (profile.customer === undefined || !customers.has(profile.customer)) return;
      if (owner !== undefined && owner !== profile.customer) {
        f.at(
          'CUSTOMER_SCOPE',
          `profile '${p}' belongs to customer '${profile.customer}', but this role is for '${owner}'`,
          at,
        );
        return;
      }
      owner = profile.customer;
    });

    for (const [key, value] of Object.entries(data.defaults)) {
      const sep = key.lastIndexOf('::');
      const cls = sep > 0 ? key.slice(0, sep) : '';
      const param = sep > 0 ? key.slice(sep + 2) : key;
      const profile = known.find((p) => p.puppetClass === cls);
      if (!profile && data.profiles.some((p) => files.broken.profiles.has(p))) continue; // reported there
      if (!profile) {
        const classes = known.map((p) => p.puppetClass);
        f.at(
          'UNKNOWN_REFERENCE',
          `'${key}': no profile of this role has the class '${cls || key}'${didYouMean(cls, classes)}`,
          keyRange(y, ['defaults', key]),
        );
        continue;
      }
      const declared = profile.parameters.get(param);
      if (!declared && files.broken.parameters.has(`${profile.puppetClass}::${param}`)) continue; // reported there
      if (!declared) {
        f.at(
          'UNKNOWN_REFERENCE',
          `profile '${profile.name}' has no parameter '${param}'${didYouMean(param, profile.parameters.keys())}`,
          keyRange(y, ['defaults', key]),
        );
        continue;
      }
      if (unknownAliases.has(repo.typeAliases) && typeAliasNames(declared.type).length > 0) continue;
      const mismatch = checkValue(declared.type, value ?? undefined, repo.typeAliases);
      if (mismatch) f.at('TYPE_MISMATCH', `'${key}' ${mismatch}`, valueRange(y, ['defaults', key]));
    }

    const role: Role = {
      name,
      description: data.description,
      profiles: data.profiles,
      defaults: data.defaults,
      source,
    };
    if (owner !== undefined) role.customer = owner;
    repo.roles.set(name, role);
  }
  // owners named explicitly must exist: checked with the customers, see buildTenants
}

// ---------------------------------------------------------------------------------------------

function buildTenants(f: Findings, files: RepoFiles, repo: ControlRepo): void {
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
    repo.resellers.set(name, reseller);
  }

  const provider = repo.provider;
  const shared = new Set(provider.sharedRepositories ?? []);
  for (const { name, reseller, yaml: y, data } of files.customers) {
    const source = pos1(y.file);
    const owner = repo.resellers.get(reseller);
    if (!owner && !files.broken.resellers.has(reseller)) {
      f.at(
        'UNKNOWN_REFERENCE',
        `customer '${name}' is under reseller '${reseller}', which has no tenants/${reseller}.yaml`,
        source,
      );
    }
    const problem = dnsLabelProblem(name);
    if (problem) f.at('INVALID_DNS_LABEL', `customer name '${name}' (from the file name) ${problem}`, source);
    const other = repo.customers.get(name);
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
      if (e.productionWindow) environment.productionWindow = e.productionWindow;
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
    repo.customers.set(name, customer);
    owner?.customers.push(name);

    buildVms(f, y, customer, data, repo, files);
  }

  // customer fields of profiles and roles (the files were built before the customers)
  for (const { name, yaml: y, data } of files.profiles) {
    if (data.customer !== undefined && !knownCustomer(data.customer, repo, files))
      f.at(
        'UNKNOWN_REFERENCE',
        `profile '${name}': unknown customer '${data.customer}'${didYouMean(data.customer, repo.customers.keys())}`,
        valueRange(y, ['customer']),
      );
  }
  for (const { name, yaml: y, data } of files.roles) {
    if (data.customer !== undefined && !knownCustomer(data.customer, repo, files))
      f.at(
        'UNKNOWN_REFERENCE',
        `role '${name}': unknown customer '${data.customer}'${didYouMean(data.customer, repo.customers.keys())}`,
        valueRange(y, ['customer']),
      );
  }
}

function knownCustomer(name: string, repo: ControlRepo, files: RepoFiles): boolean {
  return repo.customers.has(name) || files.broken.customers.has(name);
}

function buildVms(
  f: Findings,
  y: YamlFile,
  customer: Customer,
  data: RepoFiles['customers'][number]['data'],
  repo: ControlRepo,
  files: RepoFiles,
): void {
  const provider = repo.provider;
  const flavors = provider.flavors ?? {};
  const images = provider.images ?? {};
  const providerOk = files.provider !== undefined;
  // names per environment, to catch a VM named like another VM's DNS name
  const dnsNamesByEnv = new Map<string, Map<string, string>>();

  for (const [vmName, decl] of Object.entries(data.vms)) {
    const at: NodePath = ['vms', vmName];
    const problem = dnsLabelProblem(vmName);
    if (problem) f.at('INVALID_DNS_LABEL', `VM name '${vmName}' ${problem}`, keyRange(y, at));

    const role = repo.roles.get(decl.role);
    if (!role && !files.broken.roles.has(decl.role))
      f.at(
        'UNKNOWN_REFERENCE',
        `unknown role '${decl.role}'${didYouMean(decl.role, repo.roles.keys())}`,
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
      repo.vms.push(vm);
      let names = dnsNamesByEnv.get(env);
      if (!names) dnsNamesByEnv.set(env, (names = new Map()));
      for (const p of profiles) {
        for (const n of repo.profiles.get(p)?.dnsNames ?? [])
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

// ---------------------------------------------------------------------------------------------

function buildPackages(f: Findings, files: RepoFiles, repo: ControlRepo): void {
  const shared = new Set(repo.provider.sharedRepositories ?? []);
  for (const { name, yaml: y, data } of files.packages) {
    const source = pos1(y.file);
    const problem = packageNameProblem(name);
    if (problem) f.at('INVALID_NAME', `package name '${name}' (from the file name) ${problem}`, source);
    if (data.customer !== undefined && !knownCustomer(data.customer, repo, files))
      f.at(
        'UNKNOWN_REFERENCE',
        `unknown customer '${data.customer}'${didYouMean(data.customer, repo.customers.keys())}`,
        valueRange(y, ['customer']),
      );
    let groups: number;
    try {
      groups = (new RegExp(`${data.tagPattern}|`).exec('')?.length ?? 1) - 1;
    } catch (err) {
      f.at(
        'SCHEMA',
        `tagPattern is not a valid regular expression: ${(err as Error).message}`,
        valueRange(y, ['tagPattern']),
      );
      groups = -1;
    }
    if (groups === 0)
      f.at(
        'SCHEMA',
        'tagPattern needs a group that captures the version, e.g. ^v(\\d+\\.\\d+\\.\\d+)$',
        valueRange(y, ['tagPattern']),
      );
    data.repositories.forEach((r, i) => {
      const at = valueRange(y, ['repositories', i]);
      if (shared.has(r)) return;
      if (repo.customers.has(r) || files.broken.customers.has(r)) {
        if (data.customer !== undefined && r !== data.customer)
          f.at(
            'CUSTOMER_SCOPE',
            `package of customer '${data.customer}' cannot go into the repository of customer '${r}'`,
            at,
          );
        return;
      }
      const known = [...shared, ...repo.customers.keys()];
      f.at(
        'UNKNOWN_REFERENCE',
        `unknown repository '${r}'${didYouMean(r, known)} (a customer's name or a sharedRepositories entry of aare.yaml)`,
        at,
      );
    });
    const def: PackageDef = {
      name,
      git: data.git,
      tagPattern: data.tagPattern,
      repositories: data.repositories,
      source,
    };
    if (data.description !== undefined) def.description = data.description;
    if (data.customer !== undefined) def.customer = data.customer;
    if (data.spec !== undefined) def.spec = data.spec;
    if (data.build !== undefined) def.build = data.build;
    repo.packages.set(name, def);
  }
}
