// What a control-repository change does to the parameters of one customer environment's VMs
// (docs/maintenance.md, "The diff"): every VM's profiles resolved as compile resolves them (the same
// facts, the same Hiera lookups, the same defaults) in the tree before and after, and only what
// differs. A secret never shows its value: it shows as `[sensitive] sha256:<digest>` (as compile and
// lookup show it, docs/hiera-eyaml.md), so a changed secret still shows as changed.
import type { Diagnostic, Result } from '../diag/index.js';
import { describeOrigin, resolveParameters } from '../compile/index.js';
import type { ResolvedParameter } from '../compile/index.js';
import { redactedSecret } from '../hiera/index.js';
import type { Hiera } from '../hiera/index.js';
import { vmFacts } from '../model/index.js';
import { dataEqual } from '../puppet-types/index.js';
import type { ControlRepo, Vm } from '../model/index.js';

/** The control repository and its Hiera as they were at one commit. */
export interface ControlRepoTree {
  controlRepo: ControlRepo;
  hiera: Hiera;
  /** The commit it was read at: named in its diagnostics, since both trees have the same files. */
  commit?: string;
}

export interface ParameterChange {
  profile: string;
  name: string;
  /** The value before; absent when the parameter had none (a new VM, profile or parameter). */
  from?: unknown;
  /** The value after; absent when it has none any more. */
  to?: unknown;
  /** Where the value comes from (`describeOrigin`): the value after, or before when it is gone. */
  origin?: string;
  /** A secret: `from` and `to` are its redacted form, never its value. */
  sensitive?: true;
}

export interface VmParameterChanges {
  /** `customer/environment/vm` */
  vm: string;
  status: 'added' | 'removed' | 'changed';
  /** In the profiles' order, then the parameters' declaration order. */
  parameters: ParameterChange[];
}

/**
 * The parameter changes of `customer`'s VMs in `environment` from `before` to `after`: a VM in only
 * one of them is added or removed with every parameter it has; a VM in both is listed when at
 * least one value differs (compared as Puppet data: `4` to `4.0` is a change; a value that only moved to another Hiera level
 * is no change). Diagnostics are those of resolving the parameters (a value of the wrong type, a
 * required one missing) in either tree; the VMs they concern are compared with what did resolve.
 */
export function parameterChanges(
  before: ControlRepoTree,
  after: ControlRepoTree,
  customer: string,
  environment: string,
): Result<VmParameterChanges[]> {
  const diagnostics: Diagnostic[] = [];
  const vmsOf = (t: ControlRepoTree) =>
    new Map(
      t.controlRepo.vms
        .filter((v) => v.customer === customer && v.environment === environment)
        .map((v) => [v.address, v]),
    );
  const beforeVms = vmsOf(before);
  const afterVms = vmsOf(after);
  const addresses = [...new Set([...beforeVms.keys(), ...afterVms.keys()])].sort();
  const value: VmParameterChanges[] = [];
  for (const address of addresses) {
    const b = beforeVms.get(address);
    const a = afterVms.get(address);
    const from = b ? parametersOf(before, b, diagnostics) : [];
    const to = a ? parametersOf(after, a, diagnostics) : [];
    const parameters = compare(from, to);
    if (parameters.length === 0 && a && b) continue;
    value.push({ vm: address, status: !b ? 'added' : !a ? 'removed' : 'changed', parameters });
  }
  return { value, diagnostics };
}

interface Resolved {
  profile: string;
  name: string;
  parameter: ResolvedParameter;
}

function parametersOf(tree: ControlRepoTree, vm: Vm, diagnostics: Diagnostic[]): Resolved[] {
  const facts = vmFacts(tree.controlRepo, vm);
  const found: Diagnostic[] = [];
  const resolved = resolveParameters(tree.controlRepo, tree.hiera, vm, facts, found);
  diagnostics.push(...found.map((d) => atCommit(d, tree.commit)));
  return resolved.flatMap((p) =>
    [...p.parameters].map(([name, parameter]) => ({ profile: p.profile.name, name, parameter })),
  );
}

/** `d` naming the commit of the tree it was found in. */
export function atCommit(d: Diagnostic, commit: string | undefined): Diagnostic {
  return commit === undefined
    ? d
    : { ...d, summary: `${d.summary} (in the control repository at commit ${commit.slice(0, 12)})` };
}

/** The changes from `before` to `after`, in the order of `after` and then what only `before` has. */
function compare(before: Resolved[], after: Resolved[]): ParameterChange[] {
  const key = (r: Resolved) => `${r.profile}\0${r.name}`;
  const old = new Map(before.map((r) => [key(r), r]));
  const seen = new Set<string>();
  const out: ParameterChange[] = [];
  for (const a of after) {
    seen.add(key(a));
    const b = old.get(key(a));
    if (b && dataEqual(b.parameter.value, a.parameter.value)) continue;
    const sensitive = a.parameter.sensitive === true || b?.parameter.sensitive === true;
    out.push({
      profile: a.profile,
      name: a.name,
      ...(b ? { from: shown(b.parameter.value, sensitive) } : {}),
      to: shown(a.parameter.value, sensitive),
      origin: describeOrigin(a.parameter.origin).text,
      ...(sensitive ? { sensitive: true as const } : {}),
    });
  }
  for (const b of before) {
    if (seen.has(key(b))) continue;
    const sensitive = b.parameter.sensitive === true;
    out.push({
      profile: b.profile,
      name: b.name,
      from: shown(b.parameter.value, sensitive),
      origin: describeOrigin(b.parameter.origin).text,
      ...(sensitive ? { sensitive: true as const } : {}),
    });
  }
  return out;
}

// undef (`~`) stays null so that JSON keeps it: "no value" is the absent from/to
function shown(value: unknown, sensitive: boolean): unknown {
  return sensitive ? redactedSecret(value) : (value ?? null);
}
