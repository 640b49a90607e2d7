/**
 * The control repository: its file formats (one zod schema per file kind, also exported as JSON
 * Schema), the loader that reads a repository into a typed model with every mistake as a
 * diagnostic at file:line:col, and the per-VM view (facts, addresses).
 *
 * Pure: reads files of the control repository, nothing else, and only inside it after resolving
 * symbolic links (readControlRepoFile: other modules that read its files use it too). Never
 * touches the network or a database, never writes, never throws for a user's mistake.
 *
 * npm packages: yaml (YAML 1.1 as Puppet reads it, with node ranges for file:line:col) and zod
 * (one schema per file kind gives the types, the checks and the JSON Schema for editors).
 */
export { loadControlRepo } from './control-repo-loader.js';
export { readControlRepoFile } from './control-repo-read.js';
export type { ControlRepoRead } from './control-repo-read.js';
export { vmFacts, vmVariables, findVm, vmSummary } from './vm-facts.js';
export { builtinFacts } from './tenant-checks.js';
export { controlRepoJsonSchemas, schemaFileGlobs } from './json-schemas.js';
export { fileKinds } from './control-repo-schema.js';
export type {
  AareFile,
  CustomerFile,
  FileKind,
  PackageFile,
  ProfileFile,
  ResellerFile,
  RoleFile,
  Maintenance,
  MaintenanceWindow,
  Weekday,
} from './control-repo-schema.js';
export { weekdays } from './control-repo-schema.js';
export { durationMinutes } from './maintenance-checks.js';
export type {
  ControlRepo,
  Customer,
  Environment,
  PackageDef,
  Profile,
  ProfileParameter,
  Provider,
  Reseller,
  Role,
  Vm,
} from './model-types.js';
export { parseCidr, cidrsOverlap } from './cidr-net.js';
export { PROVIDER_KEY_PATH, distributionPath } from './provider-urls.js';
export type { Cidr } from './cidr-net.js';
