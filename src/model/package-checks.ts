// packages/<name>.yaml: names, owners, the tag pattern and the repositories a package goes into
// (a customer's own, or a shared one of aare.yaml, never another customer's).
import { didYouMean } from './check-findings.js';
import type { Findings } from './check-findings.js';
import type { ControlRepoFiles } from './control-repo-files.js';
import type { ControlRepo, PackageDef } from './model-types.js';
import { packageNameProblem } from './name-rules.js';
import { knownCustomer } from './tenant-checks.js';
import { pos1, valueRange } from './yaml-file.js';

export function buildPackages(f: Findings, files: ControlRepoFiles, controlRepo: ControlRepo): void {
  const shared = new Set(controlRepo.provider.sharedRepositories ?? []);
  for (const { name, yaml: y, data } of files.packages) {
    const source = pos1(y.file);
    const problem = packageNameProblem(name);
    if (problem) f.at('INVALID_NAME', `package name '${name}' (from the file name) ${problem}`, source);
    if (data.customer !== undefined && !knownCustomer(data.customer, controlRepo, files))
      f.at(
        'UNKNOWN_REFERENCE',
        `unknown customer '${data.customer}'${didYouMean(data.customer, controlRepo.customers.keys())}`,
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
      if (controlRepo.customers.has(r) || files.broken.customers.has(r)) {
        if (data.customer !== undefined && r !== data.customer)
          f.at(
            'CUSTOMER_SCOPE',
            `package of customer '${data.customer}' cannot go into the repository of customer '${r}'`,
            at,
          );
        return;
      }
      const known = [...shared, ...controlRepo.customers.keys()];
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
    controlRepo.packages.set(name, def);
  }
}
