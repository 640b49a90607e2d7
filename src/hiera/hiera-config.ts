// hiera.yaml version 5, read and checked as Puppet 7 does (HieraConfigV5): defaults, hierarchy
// levels with exactly one location kind, unique names, data_hash functions. Every problem is a
// Diagnostic pointing into hiera.yaml; a config with errors cannot serve lookups.
import { dirname, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { error, type Diagnostic, type SourcePos } from '../diag/index.js';
import { readContainedText, readFailureCode, realRoot } from './contained-read.js';
import { parseHieraYaml } from './hiera-yaml.js';
import { type Hash, isHash } from './hiera-values.js';

export type LocationKind = 'path' | 'paths' | 'glob' | 'globs' | 'mapped_paths' | 'uri' | 'uris';

/** One hierarchy level, as declared (paths still contain `%{...}`). */
export interface HieraLevel {
  name: string;
  /** `yaml_data`, `json_data`, or another function name (which fails when the level is used). */
  dataHash: string;
  /** Set when the level's function cannot be used: the message Puppet gives when it is reached. */
  functionError?: string;
  /** Absolute datadir template (config dir + datadir; may contain `%{...}`). */
  datadir: string;
  locationKind?: LocationKind;
  /** path/paths/glob/globs/uri/uris templates, or the 3 elements of mapped_paths. */
  locations: string[];
  source: SourcePos;
  /** `lookup_key: eyaml_lookup_key`: the level's options (or the defaults'), not yet interpolated. */
  eyaml?: { options: Hash };
}

export interface HieraConfig {
  /** Absolute path of hiera.yaml. */
  file: string;
  /** The directory relative paths (datadir) start from. */
  root: string;
  /** Real path of the tree Hiera may read (hiera.yaml's directory, or the control repository):
   *  a data file whose real path leaves it is refused. Default: realpath of `root`. */
  trustRoot?: string;
  levels: HieraLevel[];
}

const FUNCTION_KEYS = ['data_hash', 'lookup_key', 'data_dig', 'hiera3_backend'] as const;
const ALL_FUNCTION_KEYS = [...FUNCTION_KEYS, 'v4_data_hash'] as const;
const LOCATION_KEYS: readonly LocationKind[] = [
  'path',
  'paths',
  'glob',
  'globs',
  'uri',
  'uris',
  'mapped_paths',
];
const LEVEL_KEYS = new Set<string>(['name', 'options', 'datadir', ...ALL_FUNCTION_KEYS, ...LOCATION_KEYS]);
const DEFAULTS_KEYS = new Set(['data_hash', 'lookup_key', 'data_dig', 'datadir', 'options']);
const TOP_KEYS = new Set(['version', 'defaults', 'hierarchy', 'plan_hierarchy', 'default_hierarchy']);
const OPTION_NAME = /^[A-Za-z](:?[0-9A-Za-z_-]*[0-9A-Za-z])?$/;
const SUPPORTED_DATA_HASH = new Set(['yaml_data', 'json_data']);
/** The one lookup_key function Aare has (docs/hiera-eyaml.md). */
export const EYAML_LOOKUP_KEY = 'eyaml_lookup_key';

function levelOptions(v: unknown): Hash {
  return isHash(v) ? v : {};
}

/** Reads and checks hiera.yaml. `value` is undefined when it has errors. */
export function loadHieraConfig(configFile: string): { value?: HieraConfig; diagnostics: Diagnostic[] } {
  const file = resolve(configFile);
  const trustRoot = realRoot(dirname(file));
  const read = readContainedText(file, trustRoot);
  if (!('text' in read)) {
    const code = readFailureCode(read.problem, 'HIERA_CONFIG');
    const where =
      read.problem === 'missing' ? {} : { source: { file, start: read.pos ?? { line: 1, col: 1 } } };
    return { diagnostics: [error(code, `${configFile}: Hiera configuration ${read.reason}`, where)] };
  }
  const parsed = parseHieraConfig(read.text, file);
  if (parsed.value) parsed.value.trustRoot = trustRoot;
  return parsed;
}

/** Checks the text of a hiera.yaml that lives at `file` (absolute). */
export function parseHieraConfig(
  text: string,
  file: string,
): { value?: HieraConfig; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: false, lineCounter, prettyErrors: false });
  const at = (node: YamlNode | null | undefined): SourcePos => {
    const p = lineCounter.linePos(node?.range?.[0] ?? 0);
    return { line: p.line, col: p.col };
  };
  const fail = (summary: string, pos: SourcePos = { line: 1, col: 1 }): void => {
    diagnostics.push(error('HIERA_CONFIG', summary, { source: { file, start: pos } }));
  };
  const parsed = parseHieraYaml(text);
  if (parsed.error) {
    diagnostics.push(
      error('YAML_SYNTAX', `Unable to parse hiera.yaml: ${parsed.error.message}`, {
        source: { file, start: parsed.error.pos },
      }),
    );
    return { diagnostics };
  }
  const config = parsed.value;
  if (!isHash(config)) {
    fail('hiera.yaml does not contain a mapping');
    return { diagnostics };
  }
  const rootNode = isMap(doc.contents) ? doc.contents : undefined;
  const nodeAt = (path: (string | number)[]): YamlNode | undefined => {
    let n: unknown = rootNode;
    for (const seg of path) {
      if (isMap(n)) {
        const pair = n.items.find((p) => (p.key as { value?: unknown } | null)?.value === seg);
        n = pair ? pair.value : undefined;
      } else if (isSeq(n) && typeof seg === 'number') {
        n = n.items[seg];
      } else return undefined;
    }
    return n as YamlNode | undefined;
  };
  const keyAt = (path: (string | number)[]): SourcePos => {
    const parent = nodeAt(path.slice(0, -1));
    const last = path[path.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === last);
      if (pair) return at(pair.key as YamlNode);
    }
    return at(nodeAt(path) ?? parent);
  };

  const version = config['version'];
  if (version === undefined || version === null) {
    fail(
      "hiera.yaml has no 'version': Hiera 3 configurations are not supported, write a version 5 configuration ('version: 5')",
    );
    return { diagnostics };
  }
  if (version !== 5) {
    fail(
      `hiera.yaml 'version' must be the Integer 5, got ${JSON.stringify(version)}`,
      at(nodeAt(['version'])),
    );
    return { diagnostics };
  }
  for (const k of Object.keys(config)) {
    if (!TOP_KEYS.has(k)) fail(`unrecognized key '${k}' in hiera.yaml`, keyAt([k]));
  }
  if ('default_hierarchy' in config) {
    fail("'default_hierarchy' can only be used in a module's hiera.yaml", keyAt(['default_hierarchy']));
  }

  const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
  const checkOptions = (opts: unknown, path: (string | number)[]): void => {
    if (opts === undefined) return;
    if (!isHash(opts)) {
      fail(`'options' must be a mapping`, at(nodeAt(path)));
      return;
    }
    for (const k of Object.keys(opts)) {
      if (!OPTION_NAME.test(k)) fail(`option name '${k}' is not valid`, keyAt([...path, k]));
      if (k === 'path' || k === 'uri') fail(`option key '${k}' is reserved by Puppet`, keyAt([...path, k]));
    }
  };

  let defaults: Hash | undefined;
  if (config['defaults'] === undefined || config['defaults'] === null) {
    defaults = { datadir: 'data', data_hash: 'yaml_data' };
  } else if (!isHash(config['defaults'])) {
    fail("'defaults' must be a mapping", at(nodeAt(['defaults'])));
  } else {
    defaults = config['defaults'];
    for (const [k, v] of Object.entries(defaults)) {
      if (!DEFAULTS_KEYS.has(k)) fail(`unrecognized key '${k}' in 'defaults'`, keyAt(['defaults', k]));
      else if (k !== 'options' && !nonEmptyString(v)) {
        fail(`'defaults.${k}' must be a non-empty String`, at(nodeAt(['defaults', k])));
      }
    }
    checkOptions(defaults['options'], ['defaults', 'options']);
    if (FUNCTION_KEYS.filter((k) => k in defaults!).length > 1) {
      fail(
        "Only one of data_hash, lookup_key, data_dig, or hiera3_backend can be defined in 'defaults'",
        keyAt(['defaults']),
      );
    }
  }
  const defaultDatadir = typeof defaults?.['datadir'] === 'string' ? defaults['datadir'] : 'data';
  const root = dirname(file);

  const levels: HieraLevel[] = [];
  for (const section of ['hierarchy', 'plan_hierarchy'] as const) {
    let entries = config[section];
    if (entries === undefined || entries === null) {
      if (section === 'plan_hierarchy') continue;
      entries = [{ name: 'Common', path: 'common.yaml' }];
    }
    if (!Array.isArray(entries)) {
      fail(`'${section}' must be a list of levels`, at(nodeAt([section])));
      continue;
    }
    const seen = new Map<string, SourcePos>();
    entries.forEach((he, i) => {
      const pos = at(nodeAt([section, i]));
      if (!isHash(he)) {
        fail(`${section} entry ${i + 1} must be a mapping`, pos);
        return;
      }
      for (const k of Object.keys(he)) {
        if (!LEVEL_KEYS.has(k))
          fail(`unrecognized key '${k}' in ${section} entry ${i + 1}`, keyAt([section, i, k]));
      }
      const name = he['name'];
      if (!nonEmptyString(name)) {
        fail(`${section} entry ${i + 1} needs a 'name' (a non-empty String)`, pos);
        return;
      }
      const where = `hierarchy level '${name}'`;
      if (seen.has(name)) {
        fail(`Hierarchy name '${name}' defined more than once (first at line ${seen.get(name)!.line})`, pos);
      } else seen.set(name, pos);
      for (const k of [
        'data_hash',
        'lookup_key',
        'data_dig',
        'hiera3_backend',
        'v4_data_hash',
        'path',
        'glob',
        'uri',
      ]) {
        if (k in he && !nonEmptyString(he[k]))
          fail(`'${k}' of ${where} must be a non-empty String`, at(nodeAt([section, i, k])));
      }
      if ('datadir' in he && !nonEmptyString(he['datadir'])) {
        fail(`'datadir' of ${where} must be a non-empty String`, at(nodeAt([section, i, 'datadir'])));
      }
      for (const k of ['paths', 'globs', 'uris', 'mapped_paths']) {
        if (!(k in he)) continue;
        const v = he[k];
        if (!Array.isArray(v) || v.length === 0 || !v.every(nonEmptyString)) {
          fail(
            `'${k}' of ${where} must be a non-empty list of non-empty Strings`,
            at(nodeAt([section, i, k])),
          );
        } else if (k === 'mapped_paths' && v.length !== 3) {
          fail(
            `'mapped_paths' of ${where} must have 3 elements (fact, variable, path template), got ${v.length}`,
            at(nodeAt([section, i, k])),
          );
        }
      }
      checkOptions(he['options'], [section, i, 'options']);
      const functionKeys = ALL_FUNCTION_KEYS.filter((k) => k in he);
      let functionKind: string | undefined;
      let functionName: string | undefined;
      if (functionKeys.length > 1) {
        fail(
          `Only one of data_hash, lookup_key, data_dig, or hiera3_backend can be defined in ${where}`,
          pos,
        );
        return;
      } else if (functionKeys.length === 1) {
        functionKind = functionKeys[0]!;
        functionName = String(he[functionKind]);
      } else {
        functionKind = FUNCTION_KEYS.find((k) => defaults && k in defaults);
        if (!functionKind) {
          fail(`One of data_hash, lookup_key, data_dig, or hiera3_backend must be defined in ${where}`, pos);
          return;
        }
        functionName = String(defaults![functionKind]);
      }
      if (functionKind === 'hiera3_backend' || functionKind === 'v4_data_hash') {
        fail(`'${functionKind}' (${where}) is not supported: use data_hash: yaml_data or json_data`, pos);
        return;
      }
      const locationKeys = LOCATION_KEYS.filter((k) => k in he);
      if (locationKeys.length > 1) {
        fail(
          `Only one of path, paths, glob, globs, uri, uris, or mapped_paths can be defined in ${where}`,
          pos,
        );
        return;
      }
      const locationKind = locationKeys[0];
      const raw = locationKind ? he[locationKind] : undefined;
      const locations = Array.isArray(raw) ? raw.map(String) : raw !== undefined ? [String(raw)] : [];
      const datadir = resolve(root, typeof he['datadir'] === 'string' ? he['datadir'] : defaultDatadir);
      let functionError: string | undefined;
      const eyaml = functionKind === 'lookup_key' && functionName === EYAML_LOOKUP_KEY;
      if (eyaml) {
        if (!locationKind || locationKind === 'uri' || locationKind === 'uris') {
          functionError = `'${EYAML_LOOKUP_KEY}': one of 'path', 'paths' 'glob', 'globs' or 'mapped_paths' must be declared in hiera.yaml when using this lookup_key function`;
        }
      } else if (functionKind !== 'data_hash') {
        functionError = `Unable to find '${functionKind}' function named '${functionName}' (Aare reads data_hash: yaml_data and json_data, and lookup_key: eyaml_lookup_key)`;
      } else if (!SUPPORTED_DATA_HASH.has(functionName)) {
        functionError = `Unable to find 'data_hash' function named '${functionName}'`;
      } else if (!locationKind) {
        functionError = `'${functionName}' one of 'path', 'paths' 'glob', 'globs' or 'mapped_paths' must be declared in hiera.yaml when using this data_hash function`;
      } else if (locationKind === 'uri' || locationKind === 'uris') {
        functionError = `'${functionName}' needs a 'path': '${locationKind}' cannot be used with a data_hash function`;
      }
      if (section === 'hierarchy') {
        levels.push({
          name,
          dataHash: functionName,
          ...(functionError ? { functionError } : {}),
          datadir,
          ...(locationKind ? { locationKind } : {}),
          locations,
          source: pos,
          ...(eyaml ? { eyaml: { options: levelOptions(he['options'] ?? defaults?.['options']) } } : {}),
        });
      }
    });
  }
  if (diagnostics.length > 0) return { diagnostics };
  return { value: { file, root, levels }, diagnostics };
}
