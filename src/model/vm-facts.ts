// The facts Hiera sees for a VM, and finding a VM by its address.
import type { ControlRepo, Vm } from './model-types.js';

/**
 * The facts Hiera sees for a VM: the VM's declared facts, then Aare's own, which always win:
 * reseller, customer, environment, role, profiles (array), vm (its name), hostname, domain,
 * fqdn and clientcert (= fqdn, as Puppet's certname).
 */
export function vmFacts(controlRepo: ControlRepo, vm: Vm): Record<string, unknown> {
  const domain = `${vm.environment}.${vm.customer}.${controlRepo.provider.dnsDomain}`;
  return {
    ...vm.facts,
    reseller: vm.reseller,
    customer: vm.customer,
    environment: vm.environment,
    role: vm.role,
    profiles: [...vm.profiles],
    vm: vm.name,
    hostname: vm.name,
    domain,
    fqdn: vm.fqdn,
    clientcert: vm.fqdn,
  };
}

// one object per VM: the Hiera engine caches a VM's resolved hierarchy by facts and variables
const variablesOf = new WeakMap<Vm, Readonly<Record<string, unknown>>>();

/**
 * The top-scope variables Puppet's compiler sets for a VM beside its facts, given the ENC Aare
 * writes (docs/desired-state.md, "Variables a hierarchy can use"): `$environment` and
 * `$server_facts['environment']` are the Puppet code environment the ENC sets (never the
 * customer environment); the ENC's parameters `$reseller`, `$customer`, `$role`,
 * `$aare_environment`; `$trusted` as the Puppet server builds it from the certificate the
 * agent requested (its extensions under the short names docs/desired-state.md maps them to).
 * Facts do not override these.
 */
export function vmVariables(controlRepo: ControlRepo, vm: Vm): Readonly<Record<string, unknown>> {
  let variables = variablesOf.get(vm);
  if (variables !== undefined) return variables;
  const codeEnvironment = controlRepo.provider.puppet?.environment ?? 'production';
  // Puppet splits the certname at its first dot
  const dot = vm.fqdn.indexOf('.');
  variables = Object.freeze({
    environment: codeEnvironment,
    name: 'main',
    title: 'main',
    module_name: '',
    reseller: vm.reseller,
    customer: vm.customer,
    role: vm.role,
    aare_environment: vm.environment,
    trusted: {
      authenticated: 'remote',
      certname: vm.fqdn,
      extensions: {
        pp_role: vm.role,
        pp_environment: vm.environment,
        aare_reseller: vm.reseller,
        aare_customer: vm.customer,
      },
      hostname: dot < 0 ? vm.fqdn : vm.fqdn.slice(0, dot),
      domain: dot < 0 ? null : vm.fqdn.slice(dot + 1),
      external: {},
    },
    server_facts: { environment: codeEnvironment },
  });
  variablesOf.set(vm, variables);
  return variables;
}

/** The VM at `customer/environment/vm`, or undefined. */
export function findVm(controlRepo: ControlRepo, address: string): Vm | undefined {
  // vms are sorted by address: binary search keeps 10,000-VM repositories cheap
  let lo = 0;
  let hi = controlRepo.vms.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const vm = controlRepo.vms[mid]!;
    if (vm.address === address) return vm;
    if (vm.address < address) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** A VM as listings show it (`aare show vms --json`, the API's VM lists): the same fields everywhere. */
export function vmSummary(vm: Vm) {
  return {
    address: vm.address,
    name: vm.name,
    reseller: vm.reseller,
    customer: vm.customer,
    environment: vm.environment,
    role: vm.role,
    profiles: vm.profiles,
    flavor: vm.flavor,
    image: vm.image,
    fqdn: vm.fqdn,
  };
}
