// Reads a control repository from disk: finds its files, parses each with positions, checks it
// against its schema and builds the model. Cross-file checks are in control-repo-model.ts. Everything
// the user got wrong comes back at once, as diagnostics; nothing here throws for a user mistake.
import { posix, resolve } from 'node:path';
import { error } from '../diag/index.js';
import type { Diagnostic, Result } from '../diag/index.js';
import type { ControlRepo } from './model-types.js';
import { parseWithSchema } from './schema-issues.js';
import { parseYamlFile, pos1 } from './yaml-file.js';
import type { YamlFile } from './yaml-file.js';
import {
  aareFileSchema,
  customerFileSchema,
  hieraConfigSchema,
  packageFileSchema,
  profileFileSchema,
  resellerFileSchema,
  roleFileSchema,
} from './control-repo-schema.js';
import { buildControlRepo } from './control-repo-model.js';
import { listControlRepoDir, readControlRepoFile, resolveControlRepoPath } from './control-repo-read.js';
import type { ControlRepoFiles } from './control-repo-files.js';

/**
 * Loads the control repository at `dir`. All diagnostics at once, positions `file:line:col`
 * with files relative to `dir`. When diagnostics hold errors the value is partial: use it to
 * show what loaded, never to change anything.
 */
export function loadControlRepo(dir: string): Result<ControlRepo> {
  const root = resolve(dir);
  const diagnostics: Diagnostic[] = [];
  const files = readControlRepoFiles(root, diagnostics);
  const controlRepo = buildControlRepo(files, diagnostics);
  return { value: controlRepo, diagnostics };
}

function readControlRepoFiles(root: string, diagnostics: Diagnostic[]): ControlRepoFiles {
  const files: ControlRepoFiles = {
    root,
    profiles: [],
    roles: [],
    resellers: [],
    customers: [],
    packages: [],
    broken: {
      profiles: new Set(),
      roles: new Set(),
      customers: new Set(),
      resellers: new Set(),
      parameters: new Set(),
    },
  };

  const aare = readYaml(
    root,
    'aare.yaml',
    diagnostics,
    error(
      'REPO_FILE_MISSING',
      'aare.yaml is missing: is this a control repository? (-C, --control-repo DIR)',
      {
        source: pos1('aare.yaml'),
      },
    ),
  );
  if (aare) {
    const r = parseWithSchema(aare, aareFileSchema);
    diagnostics.push(...r.diagnostics);
    if (r.value)
      files.provider = { name: 'aare', yaml: aare, data: { ...r.value, source: pos1('aare.yaml') } };
  }

  const hiera = readYaml(
    root,
    'hiera.yaml',
    diagnostics,
    error('HIERA_CONFIG', 'hiera.yaml is missing: a control repository needs a Hiera 5 configuration', {
      source: pos1('hiera.yaml'),
    }),
  );
  if (hiera) diagnostics.push(...parseWithSchema(hiera, hieraConfigSchema, 'HIERA_CONFIG').diagnostics);

  for (const file of yamlFilesUnder(root, 'profiles', ['profiles/templates'], diagnostics)) {
    const name = baseName(file);
    const y = readYaml(root, file, diagnostics);
    const r = y ? parseWithSchema(y, profileFileSchema) : undefined;
    if (r) diagnostics.push(...r.diagnostics);
    if (y && r?.value) files.profiles.push({ name, yaml: y, data: r.value });
    else files.broken.profiles.add(name);
  }

  for (const file of yamlFilesUnder(root, 'roles', [], diagnostics)) {
    const name = baseName(file);
    const y = readYaml(root, file, diagnostics);
    const r = y ? parseWithSchema(y, roleFileSchema) : undefined;
    if (r) diagnostics.push(...r.diagnostics);
    if (y && r?.value) files.roles.push({ name, yaml: y, data: r.value });
    else files.broken.roles.add(name);
  }

  // tenants/<reseller>.yaml and tenants/<reseller>/<customer>.yaml
  for (const entry of listControlRepoDir(root, 'tenants', diagnostics)) {
    if (entry.kind === 'file' && entry.name.endsWith('.yml')) diagnostics.push(misnamed(entry.rel));
    if (entry.kind === 'file' && entry.name.endsWith('.yaml')) {
      const file = entry.rel;
      const name = baseName(file);
      const y = readYaml(root, file, diagnostics);
      const r = y ? parseWithSchema(y, resellerFileSchema) : undefined;
      if (r) diagnostics.push(...r.diagnostics);
      if (y && r?.value) files.resellers.push({ name, yaml: y, data: r.value });
      else files.broken.resellers.add(name);
    } else if (entry.kind === 'dir') {
      const reseller = entry.name;
      for (const c of listControlRepoDir(root, entry.rel, diagnostics)) {
        const file = c.rel;
        if (c.kind === 'file' && c.name.endsWith('.yml')) diagnostics.push(misnamed(file));
        if (c.kind !== 'file' || !c.name.endsWith('.yaml')) continue;
        const name = baseName(file);
        const y = readYaml(root, file, diagnostics);
        const r = y ? parseWithSchema(y, customerFileSchema) : undefined;
        if (r) diagnostics.push(...r.diagnostics);
        if (y && r?.value) files.customers.push({ name, reseller, yaml: y, data: r.value });
        else files.broken.customers.add(name);
      }
    }
  }

  for (const file of yamlFilesUnder(root, 'packages', [], diagnostics)) {
    const y = readYaml(root, file, diagnostics);
    const r = y ? parseWithSchema(y, packageFileSchema) : undefined;
    if (r) diagnostics.push(...r.diagnostics);
    if (y && r?.value) files.packages.push({ name: baseName(file), yaml: y, data: r.value });
  }
  return files;
}

/**
 * Reads and parses one file; its problems go into `diagnostics`. A file that does not exist is
 * reported as `whenMissing` (a file the repository needs) or as missing.
 */
function readYaml(
  root: string,
  file: string,
  diagnostics: Diagnostic[],
  whenMissing?: Diagnostic,
): YamlFile | undefined {
  const read = readControlRepoFile(root, file);
  if ('diagnostic' in read) {
    diagnostics.push(read.missing && whenMissing ? whenMissing : read.diagnostic);
    return undefined;
  }
  const r = parseYamlFile(file, read.text);
  diagnostics.push(...r.diagnostics);
  return r.yaml;
}

/**
 * `*.yaml` files under `dir`, recursively, sorted, relative to the root with `/` separators.
 * Folders linked from inside the repository are walked once each, so a link to a folder above
 * does not loop.
 */
function yamlFilesUnder(root: string, dir: string, skip: string[], diagnostics: Diagnostic[]): string[] {
  const out: string[] = [];
  const realOf = (rel: string) => {
    const r = resolveControlRepoPath(root, rel);
    return 'realPath' in r ? r.realPath : undefined;
  };
  // by real path, so that a link to a skipped or walked folder does not bring it in again
  const walked = new Set(skip.map(realOf).filter((p) => p !== undefined));
  const walk = (rel: string, realPath: string | undefined) => {
    if (realPath !== undefined) {
      if (walked.has(realPath)) return;
      walked.add(realPath);
    }
    for (const e of listControlRepoDir(root, rel, diagnostics)) {
      if (e.kind === 'dir') walk(e.rel, e.realPath);
      else if (e.kind === 'file' && e.name.endsWith('.yaml')) out.push(e.rel);
      else if (e.kind === 'file' && e.name.endsWith('.yml')) diagnostics.push(misnamed(e.rel));
    }
  };
  walk(dir, realOf(dir));
  return out;
}

/** A `*.yml` file where Aare reads only `*.yaml`: reported, or it would silently not exist. */
function misnamed(file: string) {
  return error(
    'SCHEMA',
    `Aare reads only .yaml files: rename ${file} to ${file.replace(/\.yml$/, '.yaml')}`,
    {
      source: pos1(file),
    },
  );
}

function baseName(file: string): string {
  return posix.basename(file, '.yaml');
}
