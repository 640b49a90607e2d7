/**
 * Hiera 5, standalone, giving the answers Puppet 7's `lookup` gives: hiera.yaml version 5,
 * yaml_data/json_data read as Psych reads them, interpolation, merge strategies,
 * lookup_options, dotted keys, --explain. It knows nothing of tenants or VMs: callers pass
 * facts. It must never touch the network or a database, and never import other Aare modules
 * than diag. Data files are parsed once per process; a loaded Hiera serves many lookups.
 */
import { dirname, resolve } from 'node:path';
import type { Diagnostic, Result } from '../diag/index.js';
import { loadHieraConfig } from './hiera-config.js';
import { HieraEngine, type Hiera } from './hiera-lookup.js';
export { puppetLookupVariables, SENSITIVE_TEXT } from './hiera-lookup.js';
import { checkDataFiles as checkEngineDataFiles } from './hiera-check.js';
import type { EyamlKeys } from './hiera-eyaml.js';

export type { HieraConfig, HieraLevel } from './hiera-config.js';
export type { Hiera, LookupOptions, LookupResult, ValueSource } from './hiera-lookup.js';
export type { MergeOption, MergeStrategyName } from './hiera-merge.js';
export type { ExplainNode } from './hiera-explain.js';
export { renderExplain } from './hiera-explain.js';
export { parseHieraYaml } from './hiera-yaml.js';
export { readContainedText, readFailureCode, realRoot, MAX_READ_BYTES } from './contained-read.js';
export type { ContainedRead } from './contained-read.js';

/** Reads hiera.yaml. `value` is undefined when the configuration has errors. */
export function loadHiera(configFile: string): Result<Hiera> {
  const { value, diagnostics } = loadHieraConfig(configFile);
  if (value) return { value: new HieraEngine(value), diagnostics };
  return { value: brokenHiera(configFile, diagnostics), diagnostics };
}

/** A Hiera whose configuration has errors: every lookup answers with the first one. */
function brokenHiera(configFile: string, diagnostics: Diagnostic[]): Hiera {
  const file = resolve(configFile);
  const first = diagnostics.find((d) => d.severity === 'error') ?? diagnostics[0]!;
  return {
    config: { file, root: dirname(file), levels: [] },
    lookup: () => ({ error: first }),
  };
}

/** For `aare validate`: problems in every data file the hierarchy can reach. */
export function checkDataFiles(hiera: Hiera): Diagnostic[] {
  if (!(hiera instanceof HieraEngine)) return [];
  return checkEngineDataFiles(hiera);
}

export {
  EyamlError,
  EyamlKeyring,
  createKeys,
  encBlocks,
  encryptToEnc,
  isEncrypted,
  redactedSecret,
  type EyamlKeys,
} from './hiera-eyaml.js';

/** The key files of an eyaml level of `hiera` for these facts; undefined: no such eyaml level. */
export function eyamlKeysOf(
  hiera: Hiera,
  level: string,
  facts: Record<string, unknown>,
): EyamlKeys | undefined {
  return hiera instanceof HieraEngine ? hiera.eyamlKeysOf(level, facts) : undefined;
}
