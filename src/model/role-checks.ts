// roles/<name>.yaml: names, the profiles a role is made of (and the customer they make it
// belong to), and its defaults checked against those profiles' parameter types.
import { checkValue, typeAliasNames } from '../puppet-types/index.js';
import { claimFileName, didYouMean } from './check-findings.js';
import type { Findings } from './check-findings.js';
import type { ControlRepoFiles } from './control-repo-files.js';
import type { ControlRepo, Profile, Role } from './model-types.js';
import { aliasesUnknown } from './puppet-type-checks.js';
import { keyRange, pos1, valueRange } from './yaml-file.js';

export function buildRoles(f: Findings, files: ControlRepoFiles, controlRepo: ControlRepo): void {
  for (const { name, yaml: y, data } of files.roles) {
    const source = pos1(y.file);
    if (!claimFileName(f, 'role', name, source, controlRepo.roles, files.broken.roles)) continue;
    const customers = new Set([...files.customers.map((c) => c.name), ...files.broken.customers]);
    // an unknown owner is reported with the customers; it must not cause echoes here
    let owner = data.customer !== undefined && customers.has(data.customer) ? data.customer : undefined;
    const seen = new Set<string>();
    const known: Profile[] = [];
    data.profiles.forEach((p, i) => {
      const at = valueRange(y, ['profiles', i]);
      if (seen.has(p)) f.at('DUPLICATE_NAME', `profile '${p}' is listed twice`, at);
      seen.add(p);
      const profile = controlRepo.profiles.get(p);
      if (!profile) {
        if (!files.broken.profiles.has(p))
          f.at(
            'UNKNOWN_REFERENCE',
            `unknown profile '${p}'${didYouMean(p, controlRepo.profiles.keys())}`,
            at,
          );
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
      if (aliasesUnknown(controlRepo.typeAliases) && typeAliasNames(declared.type).length > 0) continue;
      const mismatch = checkValue(declared.type, value ?? undefined, controlRepo.typeAliases);
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
    controlRepo.roles.set(name, role);
  }
  // owners named explicitly must exist: checked with the customers, see buildTenants
}
