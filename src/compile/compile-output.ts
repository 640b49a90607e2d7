// The files compile writes per VM, and choosing which VMs to compile from a control repository.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { error, hasErrors } from '../diag/index.js';
import type { Diagnostic, Result } from '../diag/index.js';
import { findVm } from '../model/index.js';
import type { ControlRepo, Vm } from '../model/index.js';
import { renderEnc } from './enc-render.js';
import { controlRepoRelative } from './hiera-origin.js';
import { puppetNameWarnings } from './puppet-names.js';
import { createCompileContext, compileVm } from './vm-compile.js';
import type { CompiledVm } from './vm-compile.js';
import type { LoadedControlRepo } from './loaded-control-repo.js';

/** The three files of a compiled VM, as written under `<out>/<customer>/<env>/<vm>/`. */
export function compiledFiles(vm: CompiledVm): { userData: string; encYaml: string; desiredJson: string } {
  return {
    userData: vm.userData,
    encYaml: renderEnc(vm.enc),
    desiredJson: JSON.stringify(vm.desired, null, 2) + '\n',
  };
}

/**
 * Writes `<out>/<customer>/<env>/<vm>/{user-data,enc.yaml,desired.json}` for each VM, replacing
 * what was there. A failure part-way leaves the VMs written so far; re-running completes it.
 * Synchronous writes: for many small files they cost a third of the CPU of fs/promises (no file
 * handles, promises and thread-pool hand-offs per file).
 */
export async function writeCompiled(out: string, compiled: readonly CompiledVm[]): Promise<void> {
  const made = new Set<string>();
  for (const vm of compiled) writeCompiledVm(out, vm, made);
  return Promise.resolve();
}

/** Writes one VM's three files; `made` remembers the directories created so far. */
export function writeCompiledVm(out: string, vm: CompiledVm, made: Set<string>): void {
  const parts = vm.address.split('/');
  const parent = join(out, ...parts.slice(0, -1));
  if (!made.has(parent)) {
    mkdirSync(parent, { recursive: true });
    made.add(parent);
  }
  const dir = join(parent, parts[parts.length - 1]!);
  mkdirSync(dir, { recursive: true });
  const files = compiledFiles(vm);
  writeFileSync(join(dir, 'user-data'), files.userData);
  writeFileSync(join(dir, 'enc.yaml'), files.encYaml);
  writeFileSync(join(dir, 'desired.json'), files.desiredJson);
}

export type VmSelector = { all: true } | { address: string } | { certname: string };

/**
 * Compiles the selected VMs of the control repository as the caller loaded it (src/app, once per
 * command). `value` is empty when
 * anything failed: a caller writes all or nothing.
 */
export function compileControlRepo(source: LoadedControlRepo, selector: VmSelector): Result<CompiledVm[]> {
  const loaded = source.controlRepo;
  if (hasErrors(loaded.diagnostics)) return { value: [], diagnostics: loaded.diagnostics };
  const controlRepo = loaded.value;
  const selected = selectVms(controlRepo, selector);
  if ('diagnostic' in selected)
    return { value: [], diagnostics: [...loaded.diagnostics, selected.diagnostic] };
  const hiera = source.hiera();
  const diagnostics: Diagnostic[] = [
    ...loaded.diagnostics,
    ...hiera.diagnostics.map((d) => controlRepoRelative(controlRepo.root, d)),
    ...puppetNameWarnings(controlRepo),
  ];
  if (hasErrors(hiera.diagnostics)) return { value: [], diagnostics };
  const ctx = createCompileContext(controlRepo, hiera.value);
  const value: CompiledVm[] = [];
  for (const vm of selected.vms) {
    const r = compileVm(ctx, vm);
    diagnostics.push(...r.diagnostics);
    if (r.value) value.push(r.value);
  }
  return { value: hasErrors(diagnostics) ? [] : value, diagnostics };
}

function selectVms(
  controlRepo: ControlRepo,
  selector: VmSelector,
): { vms: Vm[] } | { diagnostic: Diagnostic } {
  if ('all' in selector) return { vms: controlRepo.vms };
  if ('address' in selector) {
    const vm = findVm(controlRepo, selector.address);
    if (vm) return { vms: [vm] };
    return {
      diagnostic: error('NOT_FOUND', `no VM ${selector.address} (expected customer/environment/vm)`, {
        field: 'address',
      }),
    };
  }
  const vm = controlRepo.vms.find((v) => v.fqdn === selector.certname);
  if (vm) return { vms: [vm] };
  return {
    diagnostic: error('NOT_FOUND', `no VM has the certname ${selector.certname}`, { field: 'certname' }),
  };
}
