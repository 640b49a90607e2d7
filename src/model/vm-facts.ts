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
