// One VM from model to its three documents: cloud-init user-data, Puppet ENC, desired state.
import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import { error, hasErrors } from '../diag/index.js';
import type { Diagnostic, Result } from '../diag/index.js';
import { loadHiera } from '../hiera/index.js';
import type { Hiera } from '../hiera/index.js';
import { distributionPath, PROVIDER_KEY_PATH, vmFacts } from '../model/index.js';
import type { ControlRepo, Vm } from '../model/index.js';
import { backupSettings } from './backup-settings.js';
import { backupCloudConfig } from './vm-backup.js';
import { renderUserData } from './cloud-init-render.js';
import type { CloudFile, CloudUser, PuppetBootstrap } from './cloud-init-render.js';
import { buildDesired } from './desired-state.js';
import { controlRepoRelative } from './hiera-origin.js';
import type { DesiredState } from './desired-state.js';
import type { EncDocument } from './enc-render.js';
import { resolveParameters } from './parameter-resolve.js';
import { vmLogging } from './vm-logging.js';
import { attachSecrets, redactedSecret, redactText, secretStrings, sensitiveOf } from './sensitive-values.js';
import type { ResolvedProfile } from './parameter-resolve.js';
import { TemplateCache } from './template-render.js';
import type { TemplateData } from './template-render.js';
import { vmMail, withMailFiles } from './vm-mail.js';

export interface CompiledVm {
  address: string;
  /** cloud-init user-data (`#cloud-config`). */
  userData: string;
  enc: EncDocument;
  desired: DesiredState;
}

/**
 * Puppet trusted extensions the agent puts into its certificate request. pp_role and
 * pp_environment are Puppet's registered names; reseller and customer use Puppet's private arc
 * (1.3.6.1.4.1.34380.1.2). Map them to names on the Puppet server with
 * custom_trusted_oid_mapping.yaml (see docs/desired-state.md).
 */
export const TRUSTED_EXTENSION_OIDS = {
  reseller: '1.3.6.1.4.1.34380.1.2.1',
  customer: '1.3.6.1.4.1.34380.1.2.2',
} as const;

/** What compiling many VMs shares: one Hiera (data files parsed once) and one template cache. */
export interface CompileContext {
  controlRepo: ControlRepo;
  hiera: Hiera;
  templates: TemplateCache;
  /** The provider's users as cloud-init creates them: the same for every VM. */
  users: CloudUser[];
}

export function createCompileContext(controlRepo: ControlRepo, hiera: Hiera): CompileContext {
  const users = controlRepo.provider.users.map((u) => ({
    name: u.name,
    sshAuthorizedKeys: u.sshKeys,
    groups: u.sudo ? ['wheel'] : [],
    sudo: u.sudo ? 'ALL=(ALL) NOPASSWD:ALL' : undefined,
  }));
  return { controlRepo, hiera, templates: new TemplateCache(controlRepo.root), users };
}

/** Compiles one VM. `value` is undefined when any error was found (all are reported). */
export function compileVm(controlRepo: ControlRepo, hiera: Hiera, vm: Vm): Result<CompiledVm | undefined>;
export function compileVm(ctx: CompileContext, vm: Vm): Result<CompiledVm | undefined>;
export function compileVm(
  a: ControlRepo | CompileContext,
  b: Hiera | Vm,
  c?: Vm,
): Result<CompiledVm | undefined> {
  const ctx = c === undefined ? (a as CompileContext) : contextFor(a as ControlRepo, b as Hiera);
  const vm = c ?? (b as Vm);
  const diagnostics: Diagnostic[] = [];
  const value = compileInContext(ctx, vm, diagnostics);
  return { value: diagnostics.some((d) => d.severity === 'error') ? undefined : value, diagnostics };
}

// compileVm(controlRepo, hiera, vm) called VM after VM shares one context (compiled templates)
const contexts = new WeakMap<ControlRepo, WeakMap<Hiera, CompileContext>>();

function contextFor(controlRepo: ControlRepo, hiera: Hiera): CompileContext {
  let byHiera = contexts.get(controlRepo);
  if (!byHiera) contexts.set(controlRepo, (byHiera = new WeakMap()));
  let ctx = byHiera.get(hiera);
  if (!ctx) byHiera.set(hiera, (ctx = createCompileContext(controlRepo, hiera)));
  return ctx;
}

/** Compiles every VM of the repository with one Hiera; `value` holds the VMs that compiled. */
export function compileAll(controlRepo: ControlRepo): Result<CompiledVm[]> {
  const loaded = loadHiera(controlRepo.hieraConfigFile);
  const hieraDiagnostics = loaded.diagnostics.map((d) => controlRepoRelative(controlRepo.root, d));
  if (hasErrors(hieraDiagnostics)) return { value: [], diagnostics: hieraDiagnostics };
  const ctx = createCompileContext(controlRepo, loaded.value);
  const diagnostics: Diagnostic[] = [...hieraDiagnostics];
  const value: CompiledVm[] = [];
  for (const vm of controlRepo.vms) {
    const before = diagnostics.length;
    const compiled = compileInContext(ctx, vm, diagnostics);
    if (!diagnostics.slice(before).some((d) => d.severity === 'error')) value.push(compiled);
  }
  return { value, diagnostics };
}

function compileInContext(ctx: CompileContext, vm: Vm, diagnostics: Diagnostic[]): CompiledVm {
  const { controlRepo, hiera } = ctx;
  const provider = controlRepo.provider;
  const facts = vmFacts(controlRepo, vm);
  const profiles = resolveParameters(controlRepo, hiera, vm, facts, diagnostics);
  const customer = controlRepo.customers.get(vm.customer);
  const environment = customer?.environments.get(vm.environment);

  const vmInfo = {
    name: vm.name,
    hostname: vm.name,
    fqdn: vm.fqdn,
    reseller: vm.reseller,
    customer: vm.customer,
    environment: vm.environment,
    role: vm.role,
    profiles: vm.profiles,
  };

  const desired = buildDesired({
    address: vm.address,
    vm: vmInfo,
    flavor: vm.flavor,
    image: vm.image,
    dnsDomain: provider.dnsDomain,
    network: { cidr: environment?.network.cidr ?? '' },
    profiles: profiles.map(({ profile: p }) => ({
      name: p.name,
      firewall: p.firewall,
      backupPaths: p.backup.paths,
      logs: p.logs,
      dnsNames: p.dnsNames,
      sendsMail: p.sendsMail,
    })),
    backupSettings: backupSettings(controlRepo, hiera, vm, facts, profiles, diagnostics),
    userDataSha256: '',
  });

  const backupEndpoint = provider.endpoints.backup;
  const backup =
    desired.backup && backupEndpoint
      ? backupCloudConfig({
          vmName: vm.name,
          fqdn: vm.fqdn,
          customer: vm.customer,
          environment: vm.environment,
          serverUrl: backupEndpoint.vmUrl ?? backupEndpoint.url,
          timezone: provider.maintenance.timezone,
          job: desired.backup,
        })
      : undefined;

  const logging = vmLogging(
    profiles.flatMap((p) => p.profile.logs),
    provider.endpoints.logging,
  );
  const mail = vmMail(vm, provider.endpoints.mail.relay, profiles);
  // a VM with a failed parameter does not compile: its templates would only report echoes of it
  const profileFiles = profiles.some((p) => p.failed)
    ? []
    : renderFiles(ctx, vm, vmInfo, facts, profiles, diagnostics);
  const userData = renderUserData({
    hostname: vm.name,
    fqdn: vm.fqdn,
    users: ctx.users,
    yumRepos: [distributionRepo(controlRepo, vm)],
    packages: unique([
      ...profiles.flatMap((p) => p.profile.packages),
      ...(mail?.packages ?? []),
      ...(backup?.packages ?? []),
      ...logging.packages,
    ]),
    files: [
      ...withMailFiles(vm, profileFiles, mail, profiles, diagnostics),
      ...(backup?.files ?? []),
      ...logging.files,
    ],
    services: unique([
      ...profiles.flatMap((p) => p.profile.services),
      ...(mail?.services ?? []),
      ...(backup?.services ?? []),
    ]),
    restarts: unique([...(mail?.restarts ?? []), ...logging.restarts]),
    puppet: puppetBootstrap(controlRepo, vm),
  });

  checkUserDataSize(vm, userData, diagnostics);

  desired.server.userDataSha256 = createHash('sha256').update(userData).digest('hex');

  const enc: EncDocument = {
    classes: Object.fromEntries(
      profiles.map((p) => [
        p.profile.puppetClass,
        Object.fromEntries([...p.parameters].map(([name, r]) => [name, r.value])),
      ]),
    ),
    environment: provider.puppet?.environment ?? 'production',
    parameters: {
      reseller: vm.reseller,
      customer: vm.customer,
      role: vm.role,
      aare_environment: vm.environment,
    },
  };

  const secret = profiles.flatMap((p) =>
    [...p.parameters]
      .filter(([, r]) => r.sensitive)
      .map(([name, r]) => ({ cls: p.profile.puppetClass, name, r })),
  );
  return attachSecrets(
    { address: vm.address, userData, enc, desired },
    {
      strings: secretStrings(secret.map((s) => s.r.value)),
      encParameters: secret.map((s) => [s.cls, s.name] as const),
    },
  );
}

/**
 * The compiled VM as shown outside the VM (`aare compile --format json`): each secret ENC
 * parameter and each secret string in the user-data replaced by `[sensitive] sha256:<digest>`,
 * and `sensitive` naming the secret parameters. A template that transforms a secret (base64,
 * hashing) writes text this cannot recognise: such user-data is shown as the template wrote it.
 */
export function compiledForDisplay(vm: CompiledVm): CompiledVm & { sensitive?: string[] } {
  const secrets = sensitiveOf(vm);
  if (secrets.encParameters.length === 0) return vm;
  const classes: EncDocument['classes'] = { ...vm.enc.classes };
  for (const [cls, name] of secrets.encParameters) {
    classes[cls] = { ...classes[cls], [name]: redactedSecret(classes[cls]?.[name]) };
  }
  return {
    ...vm,
    userData: redactText(vm.userData, secrets.strings),
    enc: { ...vm.enc, classes },
    sensitive: secrets.encParameters.map(([cls, name]) => `${cls}::${name}`),
  };
}

/**
 * Nova refuses a server whose base64 user_data is longer than 65,535 characters (its API
 * schema); found at compile time it names the VM instead of failing the apply.
 */
export const NOVA_USER_DATA_MAX_BASE64 = 65_535;

function checkUserDataSize(vm: Vm, userData: string, diagnostics: Diagnostic[]): void {
  const bytes = Buffer.byteLength(userData, 'utf8');
  const base64 = 4 * Math.ceil(bytes / 3);
  if (base64 <= NOVA_USER_DATA_MAX_BASE64) return;
  const max = Math.floor(NOVA_USER_DATA_MAX_BASE64 / 4) * 3;
  diagnostics.push(
    error(
      'USER_DATA_TOO_LARGE',
      `${vm.address}: user-data is ${bytes} bytes (${base64} in base64); Nova accepts at most ${NOVA_USER_DATA_MAX_BASE64} base64 characters (${max} bytes)`,
      { address: vm.address, source: vm.source },
    ),
  );
}

function distributionRepo(controlRepo: ControlRepo, vm: Vm) {
  const provider = controlRepo.provider;
  const base = provider.endpoints.repository.baseUrl.replace(/\/+$/, '');
  return {
    id: `${provider.name}-${vm.customer}-${vm.environment}`,
    name: `${provider.displayName ?? provider.name}: ${vm.customer} ${vm.environment}`,
    baseurl: `${base}${distributionPath(vm.customer, vm.environment)}`,
    gpgkey: `${base}${PROVIDER_KEY_PATH}`,
  };
}

function puppetBootstrap(controlRepo: ControlRepo, vm: Vm): PuppetBootstrap | undefined {
  const puppet = controlRepo.provider.puppet;
  if (!puppet) return undefined;
  return {
    server: puppet.server,
    ...(puppet.port !== 8140 ? { serverport: puppet.port } : {}),
    certname: vm.fqdn,
    environment: puppet.environment,
    packageName: 'puppet-agent',
    extensionRequests: {
      pp_role: vm.role,
      pp_environment: vm.environment,
      [TRUSTED_EXTENSION_OIDS.reseller]: vm.reseller,
      [TRUSTED_EXTENSION_OIDS.customer]: vm.customer,
    },
  };
}

function renderFiles(
  ctx: CompileContext,
  vm: Vm,
  vmInfo: TemplateData['vm'],
  facts: Record<string, unknown>,
  profiles: ResolvedProfile[],
  diagnostics: Diagnostic[],
): CloudFile[] {
  const files: CloudFile[] = [];
  const writtenBy = new Map<string, string>();
  for (const { profile, parameters } of profiles) {
    if (profile.files.length === 0) continue;
    const params = Object.fromEntries([...parameters].map(([name, r]) => [name, r.value]));
    for (const f of profile.files) {
      const other = writtenBy.get(f.path);
      if (other !== undefined) {
        diagnostics.push(
          error('TEMPLATE', `${vm.address}: profiles ${other} and ${profile.name} both write ${f.path}`, {
            address: vm.address,
            source: profile.source,
          }),
        );
        continue;
      }
      writtenBy.set(f.path, profile.name);
      // shown only in a diagnostic: computed when one is made
      const display = () => relative(ctx.controlRepo.root, f.templateFile);
      const outcome = ctx.templates.render(
        f.templateFile,
        display,
        { params, vm: vmInfo, facts },
        vm.address,
      );
      if ('diagnostic' in outcome) {
        diagnostics.push(outcome.diagnostic);
        continue;
      }
      files.push({
        path: f.path,
        content: outcome.text,
        mode: f.mode === undefined ? undefined : f.mode.padStart(4, '0'),
        owner: fileOwner(f.owner, f.group),
      });
    }
  }
  return files;
}

function fileOwner(owner: string | undefined, group: string | undefined): string | undefined {
  if (owner === undefined && group === undefined) return undefined;
  return group === undefined ? owner : `${owner ?? 'root'}:${group}`;
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
