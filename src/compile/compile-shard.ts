// One share of `compile --all`: a contiguous run of the repository's VMs.
import { hasErrors } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';
import { loadHiera } from '../hiera/index.js';
import { loadControlRepo } from '../model/index.js';
import type { Vm } from '../model/index.js';
import { controlRepoRelative } from './hiera-origin.js';
import { puppetNameWarnings } from './puppet-names.js';
import { createCompileContext, compileVm } from './vm-compile.js';
import type { CompileContext, CompiledVm } from './vm-compile.js';

export interface PreparedControlRepo {
  /** The repository's and Hiera's diagnostics, as compileControlRepo reports them first. */
  diagnostics: Diagnostic[];
  /** Absent when the repository or Hiera configuration has errors: nothing can be compiled. */
  ctx?: CompileContext;
  vms: readonly Vm[];
}

export interface Shard {
  compiled: CompiledVm[];
  /** Diagnostics of the share's VMs, by the VM's index in the repository. */
  perVm: { index: number; diagnostics: Diagnostic[] }[];
}

/** Loads the repository and its Hiera configuration, as compileControlRepo does. */
export function prepareControlRepo(dir: string): PreparedControlRepo {
  const loaded = loadControlRepo(dir);
  if (hasErrors(loaded.diagnostics)) return { diagnostics: loaded.diagnostics, vms: loaded.value.vms };
  const controlRepo = loaded.value;
  const hiera = loadHiera(controlRepo.hieraConfigFile);
  const diagnostics = [
    ...loaded.diagnostics,
    ...hiera.diagnostics.map((d) => controlRepoRelative(controlRepo.root, d)),
    ...puppetNameWarnings(controlRepo),
  ];
  if (hasErrors(hiera.diagnostics)) return { diagnostics, vms: controlRepo.vms };
  return { diagnostics, ctx: createCompileContext(controlRepo, hiera.value), vms: controlRepo.vms };
}

/**
 * Compiles share `shard` of `shards`: a contiguous run of VMs, so that a customer's VMs (and
 * the Hiera data files only they read) mostly fall into one share.
 */
export function compileShard(prepared: PreparedControlRepo, shard: number, shards: number): Shard {
  const result: Shard = { compiled: [], perVm: [] };
  const ctx = prepared.ctx;
  if (!ctx) return result;
  const n = prepared.vms.length;
  const end = Math.floor(((shard + 1) * n) / shards);
  for (let i = Math.floor((shard * n) / shards); i < end; i++) {
    const r = compileVm(ctx, prepared.vms[i]!);
    if (r.diagnostics.length > 0) result.perVm.push({ index: i, diagnostics: r.diagnostics });
    if (r.value) result.compiled.push(r.value);
  }
  return result;
}
