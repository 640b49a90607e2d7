// Builds the model from the files the loader read, one file kind after the other in the order
// their references need: aare.yaml (type aliases, flavors), profiles, roles, tenants (customers
// and VMs, which refer to roles), packages (which refer to customers). Each kind's checks are in
// its own <kind>-checks.ts.
import { join } from 'node:path';
import type { Diagnostic } from '../diag/index.js';
import { Findings } from './check-findings.js';
import type { ControlRepoFiles } from './control-repo-files.js';
import type { ControlRepo } from './model-types.js';
import { buildPackages } from './package-checks.js';
import { buildProfiles } from './profile-checks.js';
import { checkProvider, emptyProvider } from './provider-checks.js';
import { markAliasesUnknown } from './puppet-type-checks.js';
import { buildRoles } from './role-checks.js';
import { buildTenants } from './tenant-checks.js';

/** Builds the model; every finding goes into `diagnostics`, so the value may be partial. */
export function buildControlRepo(files: ControlRepoFiles, diagnostics: Diagnostic[]): ControlRepo {
  const f = new Findings(diagnostics);
  const provider = files.provider?.data ?? emptyProvider();
  const controlRepo: ControlRepo = {
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
  if (files.provider) checkProvider(f, files.provider.yaml, provider, controlRepo);
  else markAliasesUnknown(controlRepo.typeAliases);
  buildProfiles(f, files, controlRepo);
  buildRoles(f, files, controlRepo);
  buildTenants(f, files, controlRepo);
  buildPackages(f, files, controlRepo);
  controlRepo.vms.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return controlRepo;
}
