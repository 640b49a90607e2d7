// `aare validate`: everything that can be wrong in a control repository, found at once. The
// model's own checks, every Hiera data file, and a compile of every VM, so a type error or a
// missing parameter anywhere fails validation with the position of the value.
import { hasErrors } from '../diag/index.js';
import type { Diagnostic, Result } from '../diag/index.js';
import { checkDataFiles } from '../hiera/index.js';
import type { ControlRepo } from '../model/index.js';
import type { LoadedControlRepo } from './loaded-control-repo.js';
import { controlRepoRelative } from './hiera-origin.js';
import { puppetNameWarnings } from './puppet-names.js';
import { compileVm, createCompileContext } from './vm-compile.js';

export interface ValidationSummary {
  /** The loaded repository (partial when the diagnostics hold errors). */
  controlRepo: ControlRepo;
  vms: number;
  /** VMs that compiled without error. */
  compiled: number;
}

/** `source` is the control repository as the caller loaded it (once per command, in src/app). */
export function validateControlRepo(source: LoadedControlRepo): Result<ValidationSummary> {
  const loaded = source.controlRepo;
  const controlRepo = loaded.value;
  const diagnostics: Diagnostic[] = [...loaded.diagnostics];
  const summary: ValidationSummary = { controlRepo, vms: controlRepo.vms.length, compiled: 0 };
  // VMs of a repository with model errors are not compiled: the model is partial, and its one
  // mistake would come back as many echoes
  const modelBroken = hasErrors(loaded.diagnostics);
  // the model reports a broken hiera.yaml already; Hiera's own words for it would be an echo
  if (!controlRepo.hieraConfigFile || loaded.diagnostics.some((d) => d.code === 'HIERA_CONFIG'))
    return { value: summary, diagnostics };
  const hiera = source.hiera();
  diagnostics.push(...relativeTo(controlRepo.root, hiera.diagnostics));
  if (hasErrors(hiera.diagnostics)) return { value: summary, diagnostics };
  diagnostics.push(...relativeTo(controlRepo.root, checkDataFiles(hiera.value)));
  if (modelBroken) return { value: summary, diagnostics: dedupe(diagnostics) };
  diagnostics.push(...puppetNameWarnings(controlRepo));
  const ctx = createCompileContext(controlRepo, hiera.value);
  const perVm: Diagnostic[] = [];
  for (const vm of controlRepo.vms) {
    const r = compileVm(ctx, vm);
    perVm.push(...r.diagnostics);
    if (r.value) summary.compiled++;
  }
  diagnostics.push(...collapseRepeats(perVm));
  return { value: summary, diagnostics: dedupe(diagnostics) };
}

/**
 * One bad value in common data shows up in every VM's compile; report it once, at its
 * position, naming the first VM and how many more it breaks.
 */
function collapseRepeats(diagnostics: Diagnostic[]): Diagnostic[] {
  const groups = new Map<string, { first: Diagnostic; more: number }>();
  for (const d of diagnostics) {
    const summary =
      d.address && d.summary.startsWith(`${d.address}: `) ? d.summary.slice(d.address.length + 2) : d.summary;
    const s = d.source;
    const key = `${d.code}\0${s ? `${s.file}:${s.start.line}:${s.start.col}` : ''}\0${summary}`;
    const g = groups.get(key);
    if (g) g.more++;
    else groups.set(key, { first: d, more: 0 });
  }
  return [...groups.values()].map(({ first, more }) =>
    more === 0
      ? first
      : { ...first, summary: `${first.summary} (and ${more} more VM${more === 1 ? '' : 's'})` },
  );
}

/** Hiera names files by absolute path; the user sees them relative to the control repository. */
function relativeTo(root: string, diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.map((d) => controlRepoRelative(root, d));
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const s = d.source;
    const key = `${d.code}\0${s ? `${s.file}:${s.start.line}:${s.start.col}` : ''}\0${d.summary}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
