/**
 * Compile: a VM's role -> profiles -> typed, Hiera-resolved parameters -> cloud-init user-data,
 * Puppet ENC and the VM's resource needs (desired.json, format in docs/desired-state.md).
 * Reads the control repository's templates; never touches the network, a database or a cloud,
 * and never writes to stdout.
 */
export { buildCloudConfig, renderUserData } from './cloud-init-render.js';
export type {
  CloudConfigInput,
  CloudFile,
  CloudUser,
  CloudYumRepo,
  PuppetBootstrap,
} from './cloud-init-render.js';
export { renderEnc } from './enc-render.js';
export type { EncDocument } from './enc-render.js';
export { buildDesired, DESIRED_FORMAT } from './desired-state.js';
export type {
  DesiredState,
  DesiredInput,
  ProfileNeeds,
  SecurityGroupRule,
  DnsName,
  BackupJob,
  LogFile,
} from './desired-state.js';
export { TemplateCache } from './template-render.js';
export type { TemplateData } from './template-render.js';
export { emitYaml } from './yaml-emit.js';
