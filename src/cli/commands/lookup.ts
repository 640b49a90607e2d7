// `aare lookup KEY`: one Hiera lookup, standalone (--config + --facts, the contract of the Hiera
// conformance corpus) or for a VM of the control repository (--vm). Prints the value as a YAML
// document, as `puppet lookup` does (`--- 8080`); `--render-as json` prints it as JSON, again like
// Puppet, and `--json` also answers a failure in JSON, as every Aare command does.
// Start-up matters here (it is compared with `puppet lookup`): only hiera/ is imported, lazily,
// and the model only with --vm.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { action, EXIT, oneOf, reportFailure, UsageError } from '../cli-run.js';
import { DiagnosticsError, error, exitCodeOf, hasErrors } from '../../diag/index.js';
import type { Hiera, MergeOption, MergeStrategyName } from '../../hiera/index.js';
import { controlRepoFlag, repoAliasFlag, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';

interface LookupCliOptions extends ControlRepoFlags {
  config?: string;
  facts?: string;
  vm?: string;
  merge?: string;
  knockOutPrefix?: string;
  sortMergedArrays?: boolean;
  mergeHashArrays?: boolean;
  default?: string;
  explain?: boolean;
  showSecrets?: boolean;
  renderAs?: string;
  json?: boolean;
}

const strategies = ['first', 'unique', 'hash', 'deep'] as const;
const renderings = ['yaml', 'json'] as const;

export function register(program: Command): void {
  program
    .command('lookup')
    .description('look up a Hiera key, as `puppet lookup` would (standalone or for a VM)')
    .argument('<key>', 'the key, dotted keys dig into hashes and arrays (app.port, users.0)')
    .option('--config <hiera.yaml>', 'standalone: the Hiera 5 configuration')
    .option('--facts <facts.json>', 'standalone: the facts (a JSON object; `trusted` inside is $trusted)')
    .option('--vm <customer/env/vm>', 'the facts of this VM of the control repository')
    .addOption(controlRepoFlag('the control repository (with --vm)'))
    .addOption(repoAliasFlag())
    .option(
      '--merge <strategy>',
      `merge strategy: ${strategies.join(' | ')} (default: lookup_options, else first)`,
    )
    .option('--knock-out-prefix <prefix>', 'deep merge: prefix that removes an element of a lower level')
    .option('--sort-merged-arrays', 'deep merge: sort merged arrays')
    .option('--merge-hash-arrays', 'deep merge: merge hashes inside arrays by position')
    .option('--default <json>', 'JSON value returned when the key is not found')
    .option('--explain', 'explain every level and file tried, like `puppet lookup --explain`')
    .option('--show-secrets', 'print a value decrypted from eyaml as it is (default: [sensitive] + digest)')
    .option(
      '--render-as <format>',
      `print the value as ${renderings.join(' | ')}, as \`puppet lookup\` does (default: yaml)`,
    )
    .option('--json', 'print the value as JSON, and a failure as JSON on stdout')
    .action(action(async (key: string, opts: LookupCliOptions) => runLookup(key, opts)));
}

async function runLookup(key: string, opts: LookupCliOptions): Promise<number> {
  const renderAs = oneOf('--render-as', opts.renderAs ?? 'yaml', renderings);
  if (opts.json && opts.renderAs !== undefined && renderAs !== 'json')
    throw new UsageError(`--json prints JSON: drop --render-as ${renderAs}`);
  if (opts.json && opts.explain) throw new UsageError('--explain prints text: drop --json');
  const json = opts.json === true;
  const merge = mergeOption(opts);
  let defaultValue: unknown;
  if (opts.default !== undefined) {
    try {
      defaultValue = JSON.parse(opts.default);
    } catch {
      throw new UsageError(`--default must be a JSON value, got '${opts.default}'`);
    }
  }
  const { renderExplain, puppetLookupVariables, SENSITIVE_TEXT, redactedSecret } =
    await import('../../hiera/index.js');
  const { hiera, facts, vmVariables, secretKey } = await hieraAndFacts(opts, key);
  // standalone: what `puppet lookup --node N --facts F` has; --vm: what Puppet has for the VM
  const variables = vmVariables ?? puppetLookupVariables;
  const hideSecret = secretKey && !opts.showSecrets;
  const result = hiera.lookup(key, {
    facts,
    ...(hideSecret ? { secret: true } : {}),
    ...(merge ? { merge } : {}),
    ...(defaultValue !== undefined ? { default: defaultValue } : {}),
    ...(opts.explain ? { explain: true } : {}),
    variables,
  });
  if (opts.explain && result.explain) process.stdout.write(renderExplain(result.explain));
  if ('error' in result) {
    reportFailure([result.error], { json });
    return exitCodeOf(result.error.code);
  }
  if (!result.found) {
    reportFailure([error('HIERA_NOT_FOUND', `no value found for the key '${key}'`)], { json });
    return exitCodeOf('HIERA_NOT_FOUND');
  }
  // a value lookup_options convert to Sensitive is rendered as `puppet lookup` renders it; a
  // decrypted one only on request (docs/hiera-eyaml.md)
  const shown =
    result.sensitive === 'Sensitive'
      ? SENSITIVE_TEXT
      : (result.sensitive === 'decrypted' || secretKey) && !opts.showSecrets
        ? redactedSecret(result.value)
        : result.value;
  if (opts.explain) return EXIT.ok;
  if (json || renderAs === 'json') process.stdout.write(JSON.stringify(shown) + '\n');
  else process.stdout.write((await import('../lookup-yaml.js')).yamlDocument(shown));
  return EXIT.ok;
}

function mergeOption(opts: LookupCliOptions): MergeOption | undefined {
  const deepFlags = opts.knockOutPrefix !== undefined || opts.sortMergedArrays || opts.mergeHashArrays;
  if (opts.merge === undefined) {
    if (deepFlags)
      throw new UsageError(
        '--knock-out-prefix, --sort-merged-arrays and --merge-hash-arrays need --merge deep',
      );
    return undefined;
  }
  const strategy: MergeStrategyName = oneOf('--merge', opts.merge, strategies);
  if (!deepFlags) return strategy;
  if (strategy !== 'deep') {
    throw new UsageError(
      '--knock-out-prefix, --sort-merged-arrays and --merge-hash-arrays need --merge deep',
    );
  }
  return {
    strategy,
    ...(opts.knockOutPrefix !== undefined ? { knockout_prefix: opts.knockOutPrefix } : {}),
    ...(opts.sortMergedArrays ? { sort_merged_arrays: true } : {}),
    ...(opts.mergeHashArrays ? { merge_hash_arrays: true } : {}),
  };
}

/**
 * With --vm, the control repository's Hiera and the VM's facts, from the command's app context;
 * standalone, the given hiera.yaml and facts file. A broken hierarchy shows in the lookup's
 * result either way.
 */
async function hieraAndFacts(
  opts: LookupCliOptions,
  key: string,
): Promise<{
  hiera: Hiera;
  facts: Record<string, unknown>;
  vmVariables?: Readonly<Record<string, unknown>>;
  secretKey?: boolean;
}> {
  if (opts.vm !== undefined) {
    if (opts.config !== undefined || opts.facts !== undefined) {
      throw new UsageError(
        '--vm takes the configuration and facts from the control repository: drop --config/--facts',
      );
    }
    const { findVm, vmFacts, vmVariables } = await import('../../model/index.js');
    const { controlRepo, hiera } = await withApp(opts, (app) => {
      const { value, diagnostics } = app.loadControlRepo();
      if (hasErrors(diagnostics))
        throw new DiagnosticsError(diagnostics.filter((d) => d.severity === 'error'));
      return Promise.resolve({ controlRepo: value, hiera: app.loadHiera().value });
    });
    const vm = findVm(controlRepo, opts.vm);
    if (!vm) {
      const near = controlRepo.vms
        .filter((v) => v.address.includes(opts.vm!.split('/').pop() ?? ''))
        .slice(0, 5)
        .map((v) => v.address);
      throw new UsageError(
        `no VM '${opts.vm}' in ${opts.controlRepo} (addresses are customer/environment/vm${near.length ? `; did you mean ${near.join(', ')}?` : ''})`,
      );
    }
    // a profile parameter declared Sensitive[...] is a secret whatever its level holds
    const { isSensitiveType } = await import('../../compile/index.js');
    const root = key.split('.')[0];
    const secretKey = [...controlRepo.profiles.values()].some((p) =>
      [...p.parameters].some(
        ([name, param]) =>
          `${p.puppetClass}::${name}` === root && isSensitiveType(param.type, controlRepo.typeAliases),
      ),
    );
    return {
      hiera,
      facts: vmFacts(controlRepo, vm),
      vmVariables: vmVariables(controlRepo, vm),
      ...(secretKey ? { secretKey } : {}),
    };
  }
  if (opts.config === undefined)
    throw new UsageError('give --config HIERA_YAML (with --facts FACTS_JSON), or --vm');
  let facts: Record<string, unknown> = {};
  if (opts.facts !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.facts, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read --facts ${opts.facts}: ${(e as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`--facts ${opts.facts} is not JSON: ${(e as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError(`--facts ${opts.facts} must hold a JSON object`);
    }
    facts = parsed as Record<string, unknown>;
  }
  const { loadHiera } = await import('../../hiera/index.js');
  return { hiera: loadHiera(opts.config).value, facts };
}
