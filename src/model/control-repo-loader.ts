// Reads a control repository from disk: finds its files, parses each with positions, checks it
// against its schema and builds the model. Cross-file checks are in control-repo-model.ts. Everything
// the user got wrong comes back at once, as diagnostics; nothing here throws for a user mistake.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
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

  const aare = readYaml(root, 'aare.yaml', diagnostics, true);
  if (aare) {
    const r = parseWithSchema(aare, aareFileSchema);
    diagnostics.push(...r.diagnostics);
    if (r.value)
      files.provider = { name: 'aare', yaml: aare, data: { ...r.value, source: pos1('aare.yaml') } };
  }

  if (!existsSync(join(root, 'hiera.yaml'))) {
    diagnostics.push(
      error('HIERA_CONFIG', 'hiera.yaml is missing: a control repository needs a Hiera 5 configuration', {
        source: pos1('hiera.yaml'),
      }),
    );
  } else {
    const hiera = readYaml(root, 'hiera.yaml', diagnostics, true);
    if (hiera) diagnostics.push(...parseWithSchema(hiera, hieraConfigSchema, 'HIERA_CONFIG').diagnostics);
  }

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
  for (const entry of listDir(root, 'tenants')) {
    if (entry.isFile() && entry.name.endsWith('.yml')) diagnostics.push(misnamed(`tenants/${entry.name}`));
    if (entry.isFile() && entry.name.endsWith('.yaml')) {
      const file = `tenants/${entry.name}`;
      const name = baseName(file);
      const y = readYaml(root, file, diagnostics);
      const r = y ? parseWithSchema(y, resellerFileSchema) : undefined;
      if (r) diagnostics.push(...r.diagnostics);
      if (y && r?.value) files.resellers.push({ name, yaml: y, data: r.value });
      else files.broken.resellers.add(name);
    } else if (entry.isDirectory()) {
      const reseller = entry.name;
      for (const c of listDir(root, `tenants/${reseller}`)) {
        const file = `tenants/${reseller}/${c.name}`;
        if (c.isFile() && c.name.endsWith('.yml')) diagnostics.push(misnamed(file));
        if (!c.isFile() || !c.name.endsWith('.yaml')) continue;
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

function readYaml(
  root: string,
  file: string,
  diagnostics: Diagnostic[],
  required = false,
): YamlFile | undefined {
  let text: string;
  try {
    text = readFileSync(join(root, file), 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing && required) {
      const what = file === 'aare.yaml' ? ': is this a control repository? (--repo DIR)' : '';
      diagnostics.push(error('REPO_FILE_MISSING', `${file} is missing${what}`, { source: pos1(file) }));
    } else {
      diagnostics.push(
        error('IO_ERROR', `cannot read ${file}: ${(err as Error).message}`, { source: pos1(file) }),
      );
    }
    return undefined;
  }
  const r = parseYamlFile(file, text);
  diagnostics.push(...r.diagnostics);
  return r.yaml;
}

function listDir(root: string, rel: string): import('node:fs').Dirent[] {
  try {
    return readdirSync(join(root, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  } catch {
    return [];
  }
}

/** `*.yaml` files under `dir`, recursively, sorted, relative to the root with `/` separators. */
function yamlFilesUnder(root: string, dir: string, skip: string[], diagnostics: Diagnostic[]): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    if (skip.includes(rel)) return;
    for (const e of listDir(root, rel)) {
      const child = posix.join(rel, e.name);
      if (e.isDirectory()) walk(child);
      else if (e.isFile() && e.name.endsWith('.yaml')) out.push(child);
      else if (e.isFile() && e.name.endsWith('.yml')) diagnostics.push(misnamed(child));
      else if (e.isSymbolicLink() && statSync(join(root, child), { throwIfNoEntry: false })?.isFile())
        out.push(child);
    }
  };
  walk(dir);
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
