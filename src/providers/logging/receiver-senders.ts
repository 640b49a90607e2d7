// Which address each VM sends from: the fixed IP Aare assigns to its OpenStack port, computed
// exactly as a plan does (the port's recorded address wins), so the receiver and the cloud agree.
import type { Result } from '../../diag/index.js';
import type { ControlRepo } from '../../model/index.js';
import { assignFixedIps } from '../openstack/index.js';
import type { ReceiverVm } from './receiver-config.js';

/**
 * Every VM of the control repository with its address. `recorded` is the state the last apply
 * recorded for an address (the ports' `ip`); without one, a VM gets the address its port will get.
 */
export function receiverVms(
  controlRepo: ControlRepo,
  recorded: (address: string) => unknown,
): Result<ReceiverVm[]> {
  const customers = [...controlRepo.customers.values()].map((c) => ({
    name: c.name,
    reseller: c.reseller,
    environments: [...c.environments.values()].map((e) => ({ name: e.name, cidr: e.network.cidr })),
  }));
  const ips = assignFixedIps({ customers, vms: controlRepo.vms }, (port) => {
    const ip = (recorded(port) as { ip?: unknown } | undefined)?.ip;
    return typeof ip === 'string' ? ip : undefined;
  });
  const value: ReceiverVm[] = [];
  for (const vm of controlRepo.vms) {
    const ip = ips.value.get(vm.address);
    if (ip === undefined) continue;
    value.push({
      customer: vm.customer,
      environment: vm.environment,
      vm: vm.name,
      ip,
      address: vm.address,
      ...(vm.source ? { source: vm.source } : {}),
    });
  }
  return { value, diagnostics: ips.diagnostics };
}

/** The recorded state address of a VM's port (where its fixed IP is kept). */
