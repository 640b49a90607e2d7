// The lookup engine: a loaded hiera.yaml serving many lookups. Mirrors Puppet 7's global layer
// (LookupAdapter, ConfiguredDataProvider, DataHashFunctionProvider) step by step, because the
// order of those steps is the semantics: lookup_options are read from every level first (so a
// broken file anywhere fails every lookup), the ROOT key is looked up and merged, and only then
// dug into with the dotted segments.
//
// Caches: data files are read and parsed once per process (by absolute path); the hierarchy
// resolved for one facts object (interpolated paths, existing files, lookup_options) is kept
// as long as that facts object lives.
import { readdirSync, statSync } from 'node:fs';
import { readContainedText, realRoot } from './contained-read.js';
import { join, relative, resolve, sep } from 'node:path';
import { error, type Diagnostic, type ErrorCode } from '../diag/index.js';
import type { HieraConfig, HieraLevel } from './hiera-config.js';
import { Explainer, type ExplainNode } from './hiera-explain.js';
import {
  InterpolationWork,
  interpolate,
  interpolatePath,
  needsInterpolation,
  scopeLookup,
  type InterpolationContext,
} from './hiera-interpolate.js';
import { HieraFailure, NOT_FOUND, dig, parseLookupKey, type Found, type LookupKey } from './hiera-keys.js';
import {
  DEFAULT_STRATEGY,
  convertValue,
  isFirst,
  lookupVariants,
  mergeSingle,
  strategyOf,
  type MergeOption,
  type MergeStrategy,
} from './hiera-merge.js';
import { parseHieraYaml, type TextPos } from './hiera-yaml.js';
import { positionOfPath } from './hiera-positions.js';
import { EyamlError, EyamlKeyring, decryptString, isEncrypted, type EyamlKeys } from './hiera-eyaml.js';
import { type Hash, isHash, hasOwn, deepFreeze, copyIntegerKeys, markIntegerKey } from './hiera-values.js';

/** Where a found value came from. */
export interface ValueSource {
  /** Absolute path of the data file. */
  file: string;
  /** The same path relative to hiera.yaml's directory (`data/customer/acme.yaml`). */
  path: string;
  /** The hierarchy level's name. */
  level: string;
  /** Where the key is written in the file, when known. */
  line?: number;
  col?: number;
}

export interface LookupOptions {
  /** The node's facts: `$facts`, and each one a top-scope variable. A `trusted` fact holding
   *  authenticated/certname/extensions is used as `$trusted`. */
  facts: Record<string, unknown>;
  /** Overrides lookup_options; default: what lookup_options say, else first found. */
  merge?: MergeOption;
  /** Returned (found, `defaulted: true`) only when nothing is found. */
  default?: unknown;
  explain?: boolean;
  /** The key is a secret (e.g. a `Sensitive` parameter): the explanation shows no value. */
  secret?: boolean;
  /** Extra top-scope variables (e.g. Puppet's `environment`); facts do not override them. A
   *  `trusted` hash here (authenticated/certname/extensions) is `$trusted`, before one in facts. */
  variables?: Record<string, unknown>;
}

export type LookupResult =
  | {
      found: true;
      value: unknown;
      sources: ValueSource[];
      defaulted?: boolean;
      /** A secret: `Sensitive` when lookup_options convert it to Sensitive, `decrypted` when it
       *  holds (or was interpolated from) plaintext of an eyaml ENC[...] block. */
      sensitive?: 'Sensitive' | 'decrypted';
      explain?: ExplainNode;
    }
  | { found: false; explain?: ExplainNode }
  | { error: Diagnostic; explain?: ExplainNode };

export interface Hiera {
  readonly config: HieraConfig;
  lookup(key: string, opts: LookupOptions): LookupResult;
}

interface DataFile {
  file: string;
  /** `file` relative to hiera.yaml's directory. */
  path: string;
  /** The top-level hash ({} for an empty or non-hash YAML file). */
  data: Hash;
  invalid: Map<string, string>;
  keyPositions: Map<string, TextPos>;
  /** Why the file cannot be used at all (parse error, JSON that is not an object ...). */
  failure?: HieraFailure;
  /** Puppet warns and skips a YAML file that is not a hash. */
  warning?: string;
  duplicates: { key: string; pos: TextPos }[];
  needsInterp: Map<string, boolean>;
  /** eyaml levels: whether a key's value holds an ENC[...] block eyaml_lookup_key decrypts. */
  hasEnc?: Map<string, boolean>;
  /** eyaml levels: decrypted values by key files (interned, see `eyamlKeys`) and key, with
   *  whether they need interpolation (plaintext, kept in memory only). */
  decrypted?: Map<EyamlKeys, Map<string, { value: unknown; interp: boolean }>>;
}

interface ResolvedLocation {
  file: string;
  original: string;
  exists: boolean;
  /** The parsed file, once read (saves the cache lookup by path). */
  df?: DataFile;
  /** eyaml levels: the key files, from the level's options interpolated for these facts. */
  eyaml?: EyamlKeys;
}

interface ResolvedLevel {
  level: HieraLevel;
  /** null: the level has no location (its function fails when reached). */
  locations: (ResolvedLocation | null)[];
}

interface CompiledOptions {
  exact: Map<string, unknown>;
  patterns: [RegExp, unknown][];
  /** The options found for a root key, remembered. */
  byRoot: Map<string, unknown>;
}

interface Resolved {
  scope: Scope;
  levels?: ResolvedLevel[];
  failure?: HieraFailure;
  options?: { value: CompiledOptions | null } | { failure: HieraFailure };
}

/** Puppet's top scope as `puppet lookup --node N --facts F` builds it. */
class Scope {
  readonly trusted: Hash;
  constructor(
    readonly facts: Record<string, unknown>,
    private readonly variables: Record<string, unknown>,
    private readonly locals?: Map<string, unknown>,
    trusted?: Hash,
  ) {
    this.trusted = trusted ?? Scope.trustedFrom(facts, variables);
  }

  static trustedFrom(facts: Record<string, unknown>, variables: Record<string, unknown> = {}): Hash {
    for (const t of [variables['trusted'], facts['trusted']]) {
      if (isHash(t) && 'authenticated' in t && 'certname' in t && 'extensions' in t) return t;
    }
    const str = (v: unknown): unknown => (typeof v === 'string' ? v : null);
    return {
      authenticated: 'local',
      certname: str(facts['clientcert']),
      extensions: {},
      hostname: str(facts['hostname']),
      domain: str(facts['domain']),
      external: {},
    };
  }

  get(name: string): unknown {
    if (this.locals?.has(name)) return this.locals.get(name);
    if (name === 'facts') return this.facts;
    if (name === 'trusted') return this.trusted;
    if (hasOwn(this.variables, name)) return this.variables[name];
    if (hasOwn(this.facts, name)) return this.facts[name];
    return undefined;
  }

  withLocal(name: string, value: unknown): Scope {
    return new Scope(
      this.facts,
      this.variables,
      new Map([...(this.locals ?? []), [name, value]]),
      this.trusted,
    );
  }
}

/**
 * What `puppet lookup --node N --facts F` has at top scope besides the facts (`%{environment}`
 * is 'production' there). Pass as `variables` to answer exactly as that command does.
 */
export const puppetLookupVariables: Readonly<Record<string, unknown>> = Object.freeze({
  environment: 'production',
  name: 'main',
  title: 'main',
  module_name: '',
  server_facts: Object.freeze({}),
});

const LOOKUP_OPTIONS = 'lookup_options';
/** What Puppet renders for a Sensitive value (`puppet lookup --render-as json`, interpolation). */
export const SENSITIVE_TEXT = 'Sensitive [value redacted]';
const HASH_STRATEGY = strategyOf('hash');

function rubyRegExp(source: string): RegExp {
  const js = source
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$')
    .replace(/\\Z/g, '(?=\\n?$)')
    .replace(/\\h/g, '[0-9a-fA-F]');
  try {
    return new RegExp(js, 'mu');
  } catch (e) {
    throw new HieraFailure(
      `lookup_options key '${source}' is not a valid regular expression: ${(e as Error).message}`,
    );
  }
}

/** One lookup in progress: the scope, the recursion guard and (optionally) the explanation. */
class Invocation implements InterpolationContext {
  constructor(
    readonly engine: HieraEngine,
    readonly resolved: Resolved,
    readonly scope: Scope,
    /** The recursion guard and the interpolation limits of the top-level lookup. */
    readonly work: InterpolationWork,
    readonly explain: Explainer | undefined,
    /** Sources of the value being looked up at top level (nested lookups do not record). */
    readonly sink: ValueSource[] | undefined,
  ) {}

  nested(): Invocation {
    return new Invocation(this.engine, this.resolved, this.scope, this.work, this.explain, undefined);
  }

  withScope(scope: Scope): Invocation {
    return new Invocation(this.engine, this.resolved, scope, this.work, undefined, undefined);
  }

  variable(name: string): unknown {
    return this.scope.get(name);
  }

  lookup(key: string): unknown {
    const v = this.engine.lookupKey(key, this.nested(), undefined);
    return v === NOT_FOUND ? '' : v;
  }

  check<T>(name: string, fn: () => T): T {
    const stack = this.work.stack;
    if (stack.includes(name)) {
      throw new HieraFailure(`Recursive lookup detected in [${stack.join(', ')}]`, 'recursion');
    }
    stack.push(name);
    try {
      return fn();
    } finally {
      stack.pop();
    }
  }
}

export const KIND_CODES: Record<HieraFailure['kind'], ErrorCode> = {
  config: 'HIERA_CONFIG',
  data: 'HIERA_DATA',
  interpolation: 'HIERA_INTERPOLATION',
  recursion: 'HIERA_RECURSION',
  merge: 'HIERA_MERGE',
  type: 'HIERA_DATA',
  outside: 'FILE_OUTSIDE_CONTROL_REPO',
  encoding: 'FILE_NOT_UTF8',
  limit: 'HIERA_LIMIT',
  decrypt: 'HIERA_DECRYPT',
  tool: 'TOOL_MISSING',
};

/** A failure with the data file and position it concerns, when there is one. */
export class HieraDataFailure extends HieraFailure {
  constructor(
    message: string,
    readonly file: string,
    readonly pos: TextPos | undefined,
    kind: HieraFailure['kind'] = 'data',
  ) {
    super(message, kind);
  }
}

export class HieraEngine implements Hiera {
  private readonly files = new Map<string, DataFile>();
  private readonly exists = new Map<string, boolean>();
  private readonly dirs = new Map<string, { name: string; dir: boolean }[]>();
  private readonly byFacts = new WeakMap<object, { variables: object | undefined; resolved: Resolved }>();

  /** Real path of the tree data files must stay in. */
  private readonly trustRoot: string;

  constructor(readonly config: HieraConfig) {
    this.trustRoot = config.trustRoot ?? realRoot(config.root);
  }

  /** A data file's text, read only inside the trusted tree; a failure names the file, never its content. */
  readText(file: string): { text: string } | { failure: HieraDataFailure } {
    const read = readContainedText(file, this.trustRoot);
    if ('text' in read) return read;
    const kind = read.problem === 'outside' ? 'outside' : read.problem === 'encoding' ? 'encoding' : 'data';
    const why = read.problem === 'outside' ? `${read.reason}: Hiera reads data only inside it` : read.reason;
    return { failure: new HieraDataFailure(`Unable to read ${file}: it ${why}`, file, read.pos, kind) };
  }

  lookup(key: string, opts: LookupOptions): LookupResult {
    const explainer = opts.explain ? new Explainer(opts.secret === true) : undefined;
    const withExplain = <T extends object>(r: T): T =>
      explainer ? Object.assign(r, { explain: explainer.root }) : r;
    try {
      const resolved = this.resolve(opts.facts, opts.variables);
      const sink: ValueSource[] = [];
      const inv = new Invocation(this, resolved, resolved.scope, new InterpolationWork(), explainer, sink);
      const v = this.lookupKey(key, inv, opts.merge === undefined ? undefined : (opts.merge as unknown));
      if (v === NOT_FOUND) {
        if (opts.default !== undefined) {
          explainer?.line(`No value found: using the default ${explainer.value(opts.default)}`);
          return withExplain({ found: true, value: opts.default, sources: [], defaulted: true });
        }
        explainer?.line(`Function lookup() did not find a value for the name '${key}'`);
        return withExplain({ found: false });
      }
      if (explainer && sink.length > 0) {
        explainer.line(
          `Value from ${sink.map((s) => `${s.path}${s.line ? `:${s.line}:${s.col}` : ''} (level '${s.level}')`).join(', ')}`,
        );
      }
      return withExplain({
        found: true,
        value: v,
        sources: dedupeSources(sink),
        ...(inv.work.sensitiveType
          ? { sensitive: 'Sensitive' as const }
          : inv.work.decrypted
            ? { sensitive: 'decrypted' as const }
            : {}),
      });
    } catch (e) {
      if (!(e instanceof HieraFailure)) throw e;
      explainer?.line(`Error: ${e.message}`);
      return withExplain({ error: this.toDiagnostic(e) });
    }
  }

  private readonly strategies = new Map<unknown, MergeStrategy>();

  /** strategyOf, remembered per merge value (lookup_options values are frozen data). */
  private strategy(m: unknown): MergeStrategy {
    let s = this.strategies.get(m);
    if (!s) {
      s = strategyOf(m);
      if (typeof m !== 'object' || m === null || Object.isFrozen(m)) this.strategies.set(m, s);
    }
    return s;
  }

  /** The strategy a lookup_options entry names; a wrong one is reported at that entry's `merge`. */
  private optionsStrategy(m: unknown, root: string, inv: Invocation): MergeStrategy {
    try {
      return this.strategy(m);
    } catch (e) {
      if (!(e instanceof HieraFailure) || e instanceof HieraDataFailure) throw e;
      const at = this.optionsEntryPosition(root, inv);
      throw at ? new HieraDataFailure(e.message, at.file, at.pos, e.kind) : e;
    }
  }

  /** The most specific data file whose lookup_options give `root` a merge, and where. */
  private optionsEntryPosition(
    root: string,
    inv: Invocation,
  ): { file: string; pos: TextPos | undefined } | undefined {
    for (const rl of inv.resolved.levels ?? []) {
      for (const loc of rl.locations) {
        const df = loc?.exists ? (loc.df ?? this.files.get(loc.file)) : undefined;
        const options = df?.data[LOOKUP_OPTIONS];
        if (!df || !isHash(options)) continue;
        const entry = hasOwn(options, root)
          ? root
          : Object.keys(options).find((k) => k.startsWith('^') && rubyRegExp(k).test(root));
        if (entry === undefined || !isHash(options[entry]) || !hasOwn(options[entry], 'merge')) continue;
        const read = this.readText(df.file);
        const pos =
          'text' in read ? positionOfPath(read.text, [LOOKUP_OPTIONS, entry, 'merge'], 'value') : undefined;
        return { file: df.file, pos: pos ?? df.keyPositions.get(LOOKUP_OPTIONS) };
      }
    }
    return undefined;
  }

  toDiagnostic(e: HieraFailure): Diagnostic {
    const code = KIND_CODES[e.kind];
    if (e instanceof HieraDataFailure) {
      return error(code, e.message, {
        source: { file: e.file, start: e.pos ?? { line: 1, col: 1 } },
      });
    }
    if (e.kind === 'config')
      return error(code, e.message, { source: { file: this.config.file, start: { line: 1, col: 1 } } });
    return error(code, e.message);
  }

  /** Puppet's `LookupAdapter#lookup` (global layer only). */
  lookupKey(keyText: string, inv: Invocation, merge: unknown): Found {
    const ex = inv.explain;
    if (keyText === LOOKUP_OPTIONS || keyText.startsWith(`${LOOKUP_OPTIONS}.`)) {
      ex?.line(`Searching for "${keyText}": the key "${LOOKUP_OPTIONS}" is reserved, never found`);
      return NOT_FOUND;
    }
    let key = this.keys.get(keyText);
    if (!key) this.keys.set(keyText, (key = parseLookupKey(keyText)));
    const options = this.lookupOptionsFor(key.root, inv);
    let m = merge;
    let fromOptions = false;
    if (m === undefined && isHash(options)) {
      m = options['merge'];
      fromOptions = m !== undefined;
      if (fromOptions) ex?.line('Using merge options from "lookup_options" hash');
    }
    const strategy = fromOptions ? this.optionsStrategy(m, key.root, inv) : this.strategy(m);
    const body = (): Found => {
      const value = inv.check(keyText, () => this.globalLookup(key, inv, strategy));
      if (value === NOT_FOUND) return NOT_FOUND;
      const top = isFirst(strategy) ? value : convertValue(strategy, value);
      if (key.segments.length === 0) return top;
      const run = (): Found => {
        const r = dig(keyText, key.segments, top);
        if (ex) {
          if (r === NOT_FOUND) ex.line(`No such key: "${key.segments.join('.')}"`);
          else ex.line(`Found key: "${key.segments.join('.')}" value: ${ex.value(r)}`);
        }
        return r;
      };
      return ex ? ex.with(`Sub key: "${key.segments.join('.')}"`, run) : run();
    };
    const found = ex ? ex.with(`Searching for "${keyText}"`, body) : body();
    if (found === NOT_FOUND || !isHash(options) || options['convert_to'] === undefined) return found;
    return this.convertTo(options['convert_to'], found, inv);
  }

  /**
   * lookup_options `convert_to`. Only `Sensitive` changes what Aare returns: the top-level answer
   * keeps its value and is marked sensitive; interpolated into a string it becomes the text
   * Puppet gives a Sensitive there. Other types are left to the type checks of the caller.
   */
  private convertTo(convertTo: unknown, value: unknown, inv: Invocation): unknown {
    const type = Array.isArray(convertTo) ? convertTo[0] : convertTo;
    if (type !== 'Sensitive') return value;
    if (!inv.sink) return SENSITIVE_TEXT;
    inv.work.sensitiveType = true;
    return value;
  }

  /** lookup_options for a root key: exact key first, then the first matching regexp. */
  private lookupOptionsFor(root: string, inv: Invocation): unknown {
    const compiled = this.lookupOptions(inv);
    if (!compiled) return undefined;
    if (compiled.byRoot.has(root)) return compiled.byRoot.get(root);
    let found: unknown = compiled.exact.get(root);
    if (found === undefined || found === null) {
      found = undefined;
      for (const [re, v] of compiled.patterns) {
        re.lastIndex = 0;
        if (re.test(root)) {
          found = v;
          break;
        }
      }
    }
    compiled.byRoot.set(root, found);
    return found;
  }

  private lookupOptions(inv: Invocation): CompiledOptions | null {
    const resolved = inv.resolved;
    if (resolved.options && !inv.explain) {
      if ('failure' in resolved.options) throw resolved.options.failure;
      return resolved.options.value;
    }
    // The merged lookup_options depend only on the files reached, unless one of them interpolates
    // its lookup_options: then they are computed per facts.
    const filesKey = inv.explain ? undefined : this.filesKey(resolved);
    const shared = filesKey === undefined ? undefined : this.optionsByFiles.get(filesKey);
    if (shared) {
      resolved.options = { value: shared.value };
      return shared.value;
    }
    try {
      const meta = new Invocation(this, resolved, inv.scope, inv.work, inv.explain, undefined);
      const body = (): CompiledOptions | null => {
        const raw = meta.check(LOOKUP_OPTIONS, () =>
          this.globalLookup(
            { text: LOOKUP_OPTIONS, root: LOOKUP_OPTIONS, segments: [] },
            meta,
            HASH_STRATEGY,
          ),
        );
        if (raw === NOT_FOUND || raw === null) return null;
        if (!isHash(raw)) throw new HieraFailure(`value of ${LOOKUP_OPTIONS} must be a hash`, 'data');
        const exact = new Map<string, unknown>();
        const patterns: [RegExp, unknown][] = [];
        for (const k of Object.keys(raw)) {
          if (k.startsWith('^')) patterns.push([rubyRegExp(k), raw[k]]);
          else exact.set(k, raw[k]);
        }
        return { exact, patterns, byRoot: new Map() };
      };
      const value = inv.explain ? inv.explain.with(`Searching for "${LOOKUP_OPTIONS}"`, body) : body();
      resolved.options = { value };
      if (filesKey !== undefined && !this.optionsInterpolate(resolved))
        this.optionsByFiles.set(filesKey, { value });
      return value;
    } catch (e) {
      if (e instanceof HieraFailure) resolved.options = { failure: e };
      throw e;
    }
  }

  private readonly keys = new Map<string, LookupKey>();
  private readonly optionsByFiles = new Map<string, { value: CompiledOptions | null }>();

  /** The files a resolved hierarchy reaches, as one string; undefined when not cacheable. */
  private filesKey(resolved: Resolved): string | undefined {
    if (!resolved.levels) return undefined;
    let key = '';
    for (const rl of resolved.levels) {
      for (const loc of rl.locations) {
        if (loc === null) return undefined;
        if (loc.exists) key += `${rl.level.dataHash}:${loc.file}\n`;
      }
      key += '|';
    }
    return key;
  }

  private optionsInterpolate(resolved: Resolved): boolean {
    for (const rl of resolved.levels ?? []) {
      for (const loc of rl.locations) {
        if (!loc?.exists) continue;
        const df = this.files.get(loc.file);
        if (df && hasOwn(df.data, LOOKUP_OPTIONS) && needsInterpolation(df.data[LOOKUP_OPTIONS])) return true;
      }
    }
    return false;
  }

  /** ConfiguredDataProvider: the levels, merged with the strategy. */
  private globalLookup(key: LookupKey, inv: Invocation, strategy: MergeStrategy): Found {
    const resolved = inv.resolved;
    if (resolved.failure) throw resolved.failure;
    const levels = resolved.levels!;
    const ex = inv.explain;
    if (!ex) return lookupVariants(strategy, levels, (lvl) => this.levelLookup(lvl, key, inv, strategy));
    const run = (): Found => {
      ex?.line(`Using configuration "${this.config.file}"`);
      const mergeRun = (): Found => {
        const r = lookupVariants(strategy, levels, (lvl) => this.levelLookup(lvl, key, inv, strategy));
        if (ex && !isFirst(strategy) && r !== NOT_FOUND && levels.length > 1) {
          ex.line(`Merged result: ${ex.value(r)}`);
        }
        return r;
      };
      return ex && !isFirst(strategy) ? ex.with(`Merge strategy ${strategy.describe}`, mergeRun) : mergeRun();
    };
    return ex ? ex.with('Global Data Provider (hiera configuration version 5)', run) : run();
  }

  private levelLookup(rl: ResolvedLevel, key: LookupKey, inv: Invocation, strategy: MergeStrategy): Found {
    const ex = inv.explain;
    if (!ex) {
      const locations = rl.locations;
      if (locations.length !== 1) {
        return lookupVariants(strategy, locations, (loc) => this.locationBody(rl.level, loc, key, inv));
      }
      // one location: Puppet's MergeStrategy#lookup with one variant (merge_single)
      const r = this.locationBody(rl.level, locations[0]!, key, inv);
      return r === NOT_FOUND || isFirst(strategy) ? r : mergeSingle(strategy, r);
    }
    const run = (): Found => {
      const multi = rl.locations.length > 1 && !isFirst(strategy);
      const locRun = (): Found => {
        const r = lookupVariants(strategy, rl.locations, (loc) =>
          this.locationLookup(rl.level, loc, key, inv),
        );
        if (ex && multi && r !== NOT_FOUND) ex.line(`Merged result: ${ex.value(r)}`);
        return r;
      };
      return ex && multi ? ex.with(`Merge strategy ${strategy.describe}`, locRun) : locRun();
    };
    return ex ? ex.with(`Hierarchy entry "${rl.level.name}"`, run) : run();
  }

  private locationLookup(
    level: HieraLevel,
    loc: ResolvedLocation | null,
    key: LookupKey,
    inv: Invocation,
  ): Found {
    const ex = inv.explain;
    if (!ex || loc === null) return this.locationBody(level, loc, key, inv);
    return ex.with(`Path "${loc.file}"`, () => this.locationBody(level, loc, key, inv));
  }

  /** DataHashFunctionProvider for one location: the root key's value, interpolated. */
  private locationBody(
    level: HieraLevel,
    loc: ResolvedLocation | null,
    key: LookupKey,
    inv: Invocation,
  ): Found {
    const ex = inv.explain;
    if (loc === null) {
      throw new HieraFailure(level.functionError ?? `level '${level.name}' has no location`, 'config');
    }
    if (loc.original !== loc.file) ex?.line(`Original path: "${loc.original}"`);
    if (!loc.exists) {
      ex?.line('Path not found');
      return NOT_FOUND;
    }
    if (level.functionError) throw new HieraFailure(level.functionError, 'config');
    const df = (loc.df ??= this.dataFile(loc.file, level.dataHash));
    if (df.failure) throw df.failure;
    if (!hasOwn(df.data, key.root)) {
      ex?.line(`No such key: "${key.root}"`);
      return NOT_FOUND;
    }
    const why = df.invalid.get(key.root);
    if (why) {
      throw new HieraDataFailure(
        `Value for key '${key.root}', in hash returned from data_hash function '${level.dataHash}', when using location '${loc.file}', has wrong type, expects Puppet::LookupValue, got ${why}`,
        loc.file,
        df.keyPositions.get(key.root),
      );
    }
    let value = df.data[key.root];
    let interp = df.needsInterp.get(key.root);
    let decrypted = false;
    if (loc.eyaml && this.hasEnc(df, key.root)) {
      // decrypted once per value and key files; interpolation still runs per lookup
      const byKeys = (df.decrypted ??= new Map());
      let cache = byKeys.get(loc.eyaml);
      if (!cache) byKeys.set(loc.eyaml, (cache = new Map()));
      let plain = cache.get(key.root);
      if (plain === undefined) {
        const v = deepFreeze(
          this.decryptData(value, loc.eyaml, loc.file, df.keyPositions.get(key.root), key.root),
        );
        cache.set(key.root, (plain = { value: v, interp: needsInterpolation(v) }));
      }
      value = plain.value;
      interp = plain.interp;
      inv.work.decrypted = decrypted = true;
      if (inv.explain) inv.explain.redact = true;
    } else if (interp === undefined) df.needsInterp.set(key.root, (interp = needsInterpolation(value)));
    if (interp) value = this.interpolateData(value, inv, loc.file, df.keyPositions.get(key.root), key.root);
    if (inv.sink) {
      const pos = df.keyPositions.get(key.root);
      inv.sink.push({
        file: loc.file,
        path: df.path,
        level: level.name,
        ...(pos ? { line: pos.line, col: pos.col } : {}),
      });
    }
    ex?.line(
      `Found key: "${key.root}" value: ${decrypted ? '[sensitive] (decrypted from ENC[...])' : ex.value(value)}`,
    );
    return value;
  }

  private readonly keyring = new EyamlKeyring();

  /** Whether a key's value in an eyaml file has a string eyaml_lookup_key would decrypt. */
  private hasEnc(df: DataFile, root: string): boolean {
    const cache = (df.hasEnc ??= new Map());
    let v = cache.get(root);
    if (v === undefined) cache.set(root, (v = holdsEnc(df.data[root])));
    return v;
  }

  /** eyaml_lookup_key's decrypt_value: every encrypted string in the value, decrypted. */
  private decryptData(
    value: unknown,
    keys: EyamlKeys,
    file: string,
    pos: TextPos | undefined,
    key: string,
  ): unknown {
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') {
        if (!isEncrypted(v)) return v;
        try {
          return decryptString(v, (scheme, cipher) => this.keyring.decrypt(scheme, cipher, keys));
        } catch (e) {
          if (!(e instanceof EyamlError)) throw e;
          const block = e.block.length > 60 ? `${e.block.slice(0, 50)}...]` : e.block;
          throw new HieraDataFailure(
            `hiera-eyaml backend error decrypting ${block} when looking up ${key} in ${file}. Error was ${e.message}`,
            file,
            pos,
            e.kind === 'tool' ? 'tool' : 'decrypt',
          );
        }
      }
      if (Array.isArray(v)) return v.map(walk);
      if (isHash(v)) {
        const out: Hash = {};
        for (const k of Object.keys(v)) out[k] = walk(v[k]);
        copyIntegerKeys(v, out);
        return out;
      }
      return v;
    };
    return walk(value);
  }

  private interpolateData(
    value: unknown,
    inv: Invocation,
    file: string,
    pos: TextPos | undefined,
    key: string,
  ): unknown {
    try {
      return interpolate(value, inv.nested(), true);
    } catch (e) {
      if (e instanceof HieraFailure && !(e instanceof HieraDataFailure) && e.kind === 'interpolation') {
        throw new HieraDataFailure(e.message, file, pos, e.kind);
      }
      if (e instanceof HieraFailure && !(e instanceof HieraDataFailure) && e.kind === 'recursion') {
        // the innermost value on the cycle: the interpolation that leads back to a key being looked up
        const read = this.readText(file);
        const at = 'text' in read ? positionOfPath(read.text, [key], 'value') : undefined;
        throw new HieraDataFailure(e.message, file, at ?? pos, e.kind);
      }
      if (e instanceof HieraFailure && !(e instanceof HieraDataFailure) && e.kind === 'limit' && inv.sink) {
        // named at the key the user looked up (nested lookups pass the failure on unchanged)
        throw new HieraDataFailure(`key '${key}': ${e.message}`, file, pos, e.kind);
      }
      throw e;
    }
  }

  /** Reads and parses a data file once per process. */
  dataFile(file: string, dataHash: string): DataFile {
    const cached = this.files.get(file);
    if (cached) return cached;
    const df: DataFile = {
      file,
      path: relative(this.config.root, file),
      data: {},
      invalid: new Map(),
      keyPositions: new Map(),
      duplicates: [],
      needsInterp: new Map(),
    };
    const read = this.readText(file);
    if ('failure' in read) {
      df.failure = read.failure;
      this.files.set(file, df);
      return df;
    }
    const text = read.text;
    if (dataHash === 'json_data') readJson(text, df);
    else readYaml(text, df);
    deepFreeze(df.data);
    this.files.set(file, df);
    return df;
  }

  /** The hierarchy for one facts object: interpolated locations and which files exist. */
  private resolve(facts: Record<string, unknown>, variables: Record<string, unknown> | undefined): Resolved {
    const hit = this.byFacts.get(facts);
    if (hit && hit.variables === variables) return hit.resolved;
    const scope = new Scope(facts, variables ?? {});
    const resolved: Resolved = { scope };
    const inv = new Invocation(this, resolved, scope, new InterpolationWork(), undefined, undefined);
    try {
      resolved.levels = this.config.levels.map((level) => {
        const locations = this.resolveLevel(level, inv);
        if (level.eyaml) {
          const keys = this.eyamlKeys(level.eyaml.options, inv);
          for (const loc of locations) if (loc) loc.eyaml = keys;
        }
        return { level, locations };
      });
    } catch (e) {
      if (!(e instanceof HieraFailure)) throw e;
      resolved.failure = e;
    }
    this.byFacts.set(facts, { variables, resolved });
    return resolved;
  }

  private resolveLevel(level: HieraLevel, inv: Invocation): (ResolvedLocation | null)[] {
    const datadir = level.datadir.includes('%{') ? interpolatePath(level.datadir, inv) : level.datadir;
    const interp = (s: string, i: Invocation = inv): string => interpolatePath(s, i);
    switch (level.locationKind) {
      case undefined:
        return [null];
      case 'path':
      case 'paths':
        return level.locations.map((original) => {
          const file = joinPath(datadir, interp(original));
          return { file, original, exists: this.fileExists(file) };
        });
      case 'glob':
      case 'globs':
        return level.locations.flatMap((original) => {
          const pattern = join(datadir, interp(original));
          return this.glob(pattern).map((file) => ({ file, original: pattern, exists: true }));
        });
      case 'mapped_paths': {
        const [varName, localName, template] = level.locations as [string, string, string];
        let mapped = scopeLookup(varName, inv, 'mapped_path[0]');
        if (mapped === undefined || mapped === null) return [];
        if (typeof mapped === 'string') mapped = mapped === '' ? [] : [mapped];
        else if (isHash(mapped)) mapped = Object.entries(mapped);
        else if (!Array.isArray(mapped)) {
          throw new HieraFailure(
            `mapped_paths of level '${level.name}': '${varName}' must be a String or an Array, got ${typeof mapped}`,
            'config',
          );
        }
        return (mapped as unknown[]).map((v) => {
          const local = inv.withScope(inv.scope.withLocal(localName, v));
          const file = joinPath(datadir, interp(template, local));
          return { file, original: template, exists: this.fileExists(file) };
        });
      }
      case 'uri':
      case 'uris':
        return level.locations.map((original) => ({ file: interp(original), original, exists: true }));
    }
  }

  /**
   * The key files of the eyaml level `levelName` for these facts (`aare secret --key-level`);
   * undefined when there is no such eyaml level.
   */
  eyamlKeysOf(levelName: string, facts: Record<string, unknown>): EyamlKeys | undefined {
    const level = this.config.levels.find((l) => l.name === levelName);
    if (!level?.eyaml) return undefined;
    const resolved = this.resolve(facts, undefined);
    const inv = new Invocation(this, resolved, resolved.scope, new InterpolationWork(), undefined, undefined);
    return this.eyamlKeys(level.eyaml.options, inv);
  }

  /** Key files by their paths joined: equal key files are one object (the decryption caches
   *  are keyed by it). */
  private readonly keySets = new Map<string, EyamlKeys>();
  /** The key files of levels whose options have nothing to interpolate (the same for all VMs). */
  private readonly fixedKeys = new WeakMap<Hash, EyamlKeys>();

  /**
   * A level's eyaml options, interpolated (variables only, as Puppet does) and made absolute;
   * the same object for the same files.
   */
  private eyamlKeys(options: Hash, inv: Invocation): EyamlKeys {
    const fixed = this.fixedKeys.get(options);
    if (fixed) return fixed;
    const keys = this.internKeys(this.eyamlKeyFiles(options, inv));
    const names = ['pkcs7_private_key', 'pkcs7_public_key', 'gpg_gnupghome'];
    if (names.every((n) => typeof options[n] !== 'string' || !(options[n] as string).includes('%{'))) {
      this.fixedKeys.set(options, keys);
    }
    return keys;
  }

  private internKeys(keys: EyamlKeys): EyamlKeys {
    const id = `${keys.privateKey ?? ''}\0${keys.publicKey ?? ''}\0${keys.gnupghome ?? ''}`;
    const known = this.keySets.get(id);
    if (known) return known;
    this.keySets.set(id, keys);
    return keys;
  }

  private eyamlKeyFiles(options: Hash, inv: Invocation): EyamlKeys {
    const path = (name: string, fallback?: string): string | undefined => {
      const v = options[name];
      const text = typeof v === 'string' ? interpolatePath(v, inv) : fallback;
      // relative key paths start at hiera.yaml's directory (puppet's would start at its cwd)
      return text === undefined ? undefined : resolve(this.config.root, text);
    };
    const gnupghome = path('gpg_gnupghome');
    return {
      privateKey: path('pkcs7_private_key', 'keys/private_key.pkcs7.pem')!,
      publicKey: path('pkcs7_public_key', 'keys/public_key.pkcs7.pem')!,
      ...(gnupghome ? { gnupghome } : {}),
    };
  }

  private fileExists(file: string): boolean {
    let e = this.exists.get(file);
    if (e === undefined) {
      try {
        // no exception for a missing file: most node-level files do not exist, and throwing costs
        e = statSync(file, { throwIfNoEntry: false }) !== undefined;
      } catch {
        e = false;
      }
      this.exists.set(file, e);
    }
    return e;
  }

  private listDir(dir: string): { name: string; dir: boolean }[] {
    let entries = this.dirs.get(dir);
    if (!entries) {
      try {
        entries = readdirSync(dir, { withFileTypes: true })
          .map((d) => {
            let isDir = d.isDirectory();
            if (d.isSymbolicLink()) {
              try {
                isDir = statSync(join(dir, d.name)).isDirectory();
              } catch {
                isDir = false;
              }
            }
            return { name: d.name, dir: isDir };
          })
          .sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
      } catch {
        entries = [];
      }
      this.dirs.set(dir, entries);
    }
    return entries;
  }

  /** Ruby's `Pathname.glob` (sorted, `**` recursive, braces, no dot files), files only. */
  private glob(pattern: string): string[] {
    const out: string[] = [];
    for (const p of expandBraces(pattern)) {
      const absolute = p.startsWith(sep);
      const segs = p.split('/').filter((s) => s !== '');
      this.globWalk(absolute ? '/' : '.', segs, out);
    }
    return out;
  }

  private globWalk(dir: string, segs: string[], out: string[]): void {
    if (segs.length === 0) return;
    const [seg, ...rest] = segs as [string, ...string[]];
    if (seg === '**') {
      // '**' matches zero or more directories
      const next = rest[0];
      if (next === undefined) return;
      const re = globSegment(next);
      for (const e of this.listDir(dir)) {
        if (e.name.startsWith('.') && !next.startsWith('.')) continue;
        const full = join(dir, e.name);
        if (re.test(e.name)) {
          if (rest.length === 1) {
            if (!e.dir) out.push(full);
          } else if (e.dir) this.globWalk(full, rest.slice(1), out);
        }
        if (e.dir) this.globWalk(full, segs, out);
      }
      return;
    }
    if (!/[*?[]/.test(seg)) {
      const full = join(dir, seg);
      if (rest.length === 0) {
        if (this.fileExists(full) && !statSync(full).isDirectory()) out.push(full);
      } else this.globWalk(full, rest, out);
      return;
    }
    const re = globSegment(seg);
    for (const e of this.listDir(dir)) {
      if (e.name.startsWith('.') && !seg.startsWith('.')) continue;
      if (!re.test(e.name)) continue;
      const full = join(dir, e.name);
      if (rest.length === 0) {
        if (!e.dir) out.push(full);
      } else if (e.dir) this.globWalk(full, rest, out);
    }
  }

  /** Every data file the hierarchy can reach with these facts (for checks). */
  filesFor(facts: Record<string, unknown>): { level: HieraLevel; file: string }[] {
    const resolved = this.resolve(facts, undefined);
    if (resolved.failure) throw resolved.failure;
    const out: { level: HieraLevel; file: string }[] = [];
    for (const rl of resolved.levels!) {
      for (const loc of rl.locations) if (loc?.exists) out.push({ level: rl.level, file: loc.file });
    }
    return out;
  }
}

/** `path.resolve(dir, p)` without its cost in the common case (plain relative path). */
function joinPath(dir: string, p: string): string {
  if (
    p.startsWith('/') ||
    p.includes('..') ||
    p.includes('./') ||
    p.includes('//') ||
    p === '' ||
    p.endsWith('/')
  ) {
    return resolve(dir, p);
  }
  return dir.endsWith(sep) ? dir + p : dir + sep + p;
}

function holdsEnc(v: unknown): boolean {
  if (typeof v === 'string') return isEncrypted(v);
  if (Array.isArray(v)) return v.some(holdsEnc);
  if (isHash(v)) return Object.keys(v).some((k) => holdsEnc(v[k]));
  return false;
}

function dedupeSources(sources: ValueSource[]): ValueSource[] {
  const seen = new Set<string>();
  return sources.filter((s) => (seen.has(s.file) ? false : (seen.add(s.file), true)));
}

function readYaml(text: string, df: DataFile): void {
  const parsed = parseHieraYaml(text);
  df.duplicates = parsed.duplicates;
  if (parsed.error) {
    df.failure = new HieraDataFailure(
      `Unable to parse (${df.file}): ${parsed.error.message} at line ${parsed.error.pos.line} column ${parsed.error.pos.col}`,
      df.file,
      parsed.error.pos,
      parsed.error.limit ? 'limit' : 'data',
    );
    return;
  }
  if (!isHash(parsed.value)) {
    df.warning = `${df.file}: file does not contain a valid yaml hash`;
    return;
  }
  df.data = parsed.value;
  df.invalid = parsed.invalid;
  df.keyPositions = parsed.keyPositions;
}

function readJson(text: string, df: DataFile): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const offset = m ? Number(m[1]) : 0;
    const before = text.slice(0, offset).split('\n');
    const pos = { line: before.length, col: before[before.length - 1]!.length + 1 };
    df.failure = new HieraDataFailure(`Unable to parse (${df.file}): ${(e as Error).message}`, df.file, pos);
    return;
  }
  if (!isHash(value)) {
    df.failure = new HieraDataFailure(
      `Value returned from data_hash function 'json_data', when using location '${df.file}', has wrong type, expects a Hash value, got ${Array.isArray(value) ? 'Tuple' : typeof value}`,
      df.file,
      { line: 1, col: 1 },
    );
    return;
  }
  df.data = value;
  // JSON has no positions per key worth the cost; the file is the source.
}

function expandBraces(p: string): string[] {
  const m = /\{([^{}]*)\}/.exec(p);
  if (!m) return [p];
  return m[1]!
    .split(',')
    .flatMap((alt) => expandBraces(p.slice(0, m.index) + alt + p.slice(m.index + m[0].length)));
}

function globSegment(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let body = seg.slice(i + 1, end);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Exposed for checks: keep marks when a caller copies data. */
export const dataHelpers = { copyIntegerKeys, markIntegerKey, DEFAULT_STRATEGY };
