/**
 * Compile: a VM's role -> profiles -> typed, Hiera-resolved parameters -> cloud-init user-data,
 * Puppet ENC and the VM's resource needs (desired.json, format in docs/desired-state.md).
 * Reads only the control repository (through model and hiera) and writes compiled files only into
 * the directory it is given; never touches the network, a database or a cloud, and never writes
 * to stdout.
 */
export {
  compileVm,
  compileAll,
  compiledForDisplay,
  createCompileContext,
  TRUSTED_EXTENSION_OIDS,
} from './vm-compile.js';
export { isSensitiveType, redactedSecret, redactText, sensitiveOf } from './sensitive-values.js';
export type { VmSecrets } from './sensitive-values.js';
export type { CompiledVm, CompileContext } from './vm-compile.js';
export { compileControlRepo, compiledFiles, writeCompiled } from './compile-output.js';
export { compileAllInto, PARALLEL_FROM_VMS } from './compile-parallel.js';
export type { VmSelector } from './compile-output.js';
export { validateControlRepo } from './repository-validate.js';
export type { LoadedControlRepo } from './loaded-control-repo.js';
export { resolveParameters, describeOrigin } from './parameter-resolve.js';
export type { ParameterOrigin, ResolvedParameter, ResolvedProfile } from './parameter-resolve.js';
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
export { BACKUP_PROFILE, BACKUP_DEFAULTS } from './backup-settings.js';
export { SECRET_TOKENS } from './secret-tokens.js';
export {
  backupRepositoryUrl,
  backupCloudConfig,
  BACKUP_TAG,
  BACKUP_ENV_FILE,
  BACKUP_PATHS_FILE,
  BACKUP_SERVICE,
  BACKUP_TIMER,
} from './vm-backup.js';
export type { SecretName } from './secret-tokens.js';
export { TemplateCache } from './template-render.js';
export type { TemplateData } from './template-render.js';
export { emitYaml } from './yaml-emit.js';
export {
  vmLogging,
  forwardConf,
  splitTarget,
  quote as rsyslogString,
  FORWARD_CONF_PATH,
  SYSLOG_WRITTEN_FILES,
} from './vm-logging.js';
export type { LoggingEndpoint, VmLogging } from './vm-logging.js';
export { vmMail, satelliteMainCf, relayhostOf, SATELLITE_MAIN_CF } from './vm-mail.js';
export type { VmMail } from './vm-mail.js';
