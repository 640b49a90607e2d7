// The drivers of every OpenStack kind, sharing one client (one file per kind under drivers/).
import type { DriverSet, EngineDriver } from '../../engine/index.js';
import { driverEnv } from './drivers/driver-support.js';
import type { OpenStackDriverOptions } from './drivers/driver-support.js';
import { domainDriver } from './drivers/domain-driver.js';
import { networkDriver } from './drivers/network-driver.js';
import { portDriver } from './drivers/port-driver.js';
import { projectDriver } from './drivers/project-driver.js';
import { routerDriver } from './drivers/router-driver.js';
import { secgroupDriver } from './drivers/secgroup-driver.js';
import { serverDriver } from './drivers/server-driver.js';
import { subnetDriver } from './drivers/subnet-driver.js';

export function openstackDrivers(opts: OpenStackDriverOptions): DriverSet {
  const env = driverEnv(opts);
  const drivers = [
    domainDriver(env),
    projectDriver(env),
    networkDriver(env),
    subnetDriver(env),
    routerDriver(env),
    secgroupDriver(env),
    portDriver(env),
    serverDriver(env),
  ];
  return new Map(drivers.map((d) => [d.kind, d as EngineDriver]));
}
