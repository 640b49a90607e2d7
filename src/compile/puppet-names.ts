// Names Puppet refuses as class parameters: its metaparameters and the reserved name/title.
// A profile with such a parameter compiles in Aare, but Puppet cannot declare its class.
import { warning } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';
import type { ControlRepo } from '../model/index.js';

const RESERVED_PARAMETERS = new Set([
  'alias',
  'audit',
  'before',
  'consume',
  'export',
  'loglevel',
  'noop',
  'notify',
  'require',
  'schedule',
  'stage',
  'subscribe',
  'tag',
  'name',
  'title',
]);

/** Warnings for profile parameters Puppet would refuse, when the provider runs a Puppet server. */
export function puppetNameWarnings(controlRepo: ControlRepo): Diagnostic[] {
  if (!controlRepo.provider.puppet) return [];
  const out: Diagnostic[] = [];
  for (const profile of controlRepo.profiles.values()) {
    for (const [name, param] of profile.parameters) {
      if (!RESERVED_PARAMETERS.has(name)) continue;
      out.push(
        warning(
          'PUPPET_RESERVED_NAME',
          `profile ${profile.name} parameter ${name}: Puppet refuses it as a parameter of class ${profile.puppetClass} ` +
            `(${name} is a metaparameter or reserved name); rename it, or Puppet fails on every VM with this profile`,
          { source: param.source, address: `profile ${profile.name}` },
        ),
      );
    }
  }
  return out;
}
