// Parameter resolution: Puppet's automatic parameter lookup for each profile of a VM's role.
// Order: Hiera (`<puppet class>::<parameter>` with the VM's facts, lookup_options merges
// applied by the Hiera engine), else the role's default, else the profile's default, else an
// error when the parameter is required. Every value is checked against its Puppet data type;
// a mismatch points at the value where it was written.
import { error } from '../diag/index.js';
import type { Diagnostic, SourceRange } from '../diag/index.js';
import type { Hiera } from '../hiera/index.js';
import { vmVariables } from '../model/index.js';
import type { ControlRepo, Profile, Role, Vm } from '../model/index.js';
import { checkValue } from '../puppet-types/index.js';
import { hieraOrigin, controlRepoRelative } from './hiera-origin.js';
import { isSensitiveType, redactMessage } from './sensitive-values.js';

/** Where a resolved value came from. */
export type ParameterOrigin =
  | { kind: 'hiera'; key: string; files: { file: string; level: string; source?: SourceRange }[] }
  | { kind: 'role'; role: string; source: SourceRange }
  | { kind: 'profile'; source: SourceRange };

export interface ResolvedParameter {
  value: unknown;
  origin: ParameterOrigin;
  /**
   * A secret: decrypted from hiera-eyaml, or declared `Sensitive[...]`. Only the VM's user-data
   * and ENC carry its value (sensitive-values.ts).
   */
  sensitive?: true;
}

export interface ResolvedProfile {
  profile: Profile;
  /** Parameters that have a value, in the profile's declaration order. */
  parameters: Map<string, ResolvedParameter>;
  /** A parameter failed (an error diagnostic was reported): its templates are not rendered. */
  failed?: boolean;
}

/**
 * Resolves every parameter of every profile of `vm`. Diagnostics carry the VM's address and the
 * position of the value (Hiera data file, role or profile file) or of the declaration.
 */
export function resolveParameters(
  controlRepo: ControlRepo,
  hiera: Hiera,
  vm: Vm,
  facts: Record<string, unknown>,
  diagnostics: Diagnostic[],
): ResolvedProfile[] {
  const role = controlRepo.roles.get(vm.role);
  const resolved: ResolvedProfile[] = [];
  for (const name of vm.profiles) {
    const profile = controlRepo.profiles.get(name);
    if (!profile) continue; // the model reported the unknown reference
    const before = diagnostics.length;
    const parameters = resolveProfile(controlRepo, hiera, vm, facts, role, profile, diagnostics);
    const failed = diagnostics.slice(before).some((d) => d.severity === 'error');
    resolved.push({ profile, parameters, ...(failed ? { failed } : {}) });
  }
  return resolved;
}

/** Resolves one profile's parameters for `vm`; `role` gives its defaults when the profile is the role's. */
export function resolveProfile(
  controlRepo: ControlRepo,
  hiera: Hiera,
  vm: Vm,
  facts: Record<string, unknown>,
  role: Role | undefined,
  profile: Profile,
  diagnostics: Diagnostic[],
): Map<string, ResolvedParameter> {
  const out = new Map<string, ResolvedParameter>();
  const variables = vmVariables(controlRepo, vm);
  for (const [name, param] of profile.parameters) {
    const key = `${profile.puppetClass}::${name}`;
    const result = hiera.lookup(key, { facts, variables });
    let value: unknown;
    let origin: ParameterOrigin;
    let sensitive = isSensitiveType(param.type, controlRepo.typeAliases);
    if ('error' in result) {
      diagnostics.push({ ...controlRepoRelative(controlRepo.root, result.error), address: vm.address });
      continue;
    } else if (result.found) {
      value = result.value;
      origin = { kind: 'hiera', key, files: hieraOrigin(result) };
      if (result.sensitive !== undefined) sensitive = true;
    } else if (role && Object.hasOwn(role.defaults, key)) {
      value = role.defaults[key];
      origin = { kind: 'role', role: role.name, source: role.source };
    } else if (param.default !== undefined) {
      value = param.default;
      origin = { kind: 'profile', source: param.source };
    } else if (param.required) {
      diagnostics.push(
        error(
          'PARAM_MISSING',
          `${vm.address}: profile ${profile.name} parameter ${name} (${param.typeText}) has no value: ` +
            `set ${key} in Hiera data, or give a default in role ${vm.role} or the profile`,
          { address: vm.address, source: param.source },
        ),
      );
      continue;
    } else {
      continue;
    }
    const mismatch = checkValue(param.type, value ?? undefined, controlRepo.typeAliases);
    if (mismatch !== undefined) {
      // role and profile defaults were checked by the model, at their own position
      if (origin.kind === 'hiera') {
        // a mismatch may quote the value (`got 'x'`): a secret's shows as its digest
        const shown = sensitive ? redactMessage(mismatch, value) : mismatch;
        diagnostics.push(typeMismatch(vm, profile, name, param.typeText, shown, origin));
      }
      continue;
    }
    out.set(name, { value, origin, ...(sensitive ? { sensitive: true as const } : {}) });
  }
  return out;
}

function typeMismatch(
  vm: Vm,
  profile: Profile,
  name: string,
  typeText: string,
  mismatch: string,
  origin: ParameterOrigin,
): Diagnostic {
  const where = describeOrigin(origin);
  const summary = `${vm.address}: profile ${profile.name} parameter ${name} ${mismatch} (${where.text}; declared ${typeText})`;
  return error('TYPE_MISMATCH', summary, { address: vm.address, source: where.source });
}

/** A short human text for where a value came from, and the best position to point at. */
export function describeOrigin(origin: ParameterOrigin): { text: string; source?: SourceRange } {
  switch (origin.kind) {
    case 'hiera': {
      const files = origin.files.map((f) => `${f.file} (hierarchy level "${f.level}")`);
      const first = origin.files[0];
      return {
        text:
          files.length > 0
            ? `value of ${origin.key} from ${files.join(' merged with ')}`
            : `Hiera value of ${origin.key}`,
        source: first?.source ?? (first ? { file: first.file, start: { line: 1, col: 1 } } : undefined),
      };
    }
    case 'role':
      return { text: `default of role ${origin.role}`, source: origin.source };
    case 'profile':
      return { text: 'the profile’s default', source: origin.source };
  }
}
