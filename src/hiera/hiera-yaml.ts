// Reads YAML exactly as Puppet's Hiera does: Ruby's Psych (YAML 1.1) through `safe_load`.
// The `yaml` package parses the text (with positions); every scalar is then typed by the port of
// Psych's ScalarScanner in puppet-types (shared with the control repository's reader), and
// `:sym` becomes a Symbol, which Hiera refuses as a value.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import type { Node as YamlNode, Document } from 'yaml';
import {
  copyIntegerKeys,
  floatValue,
  markIntegerKey,
  rubyFloatText,
  scanScalar,
  YamlLoadError,
} from '../puppet-types/index.js';
import { type Hash, hasOwn, isHash } from './hiera-values.js';

export interface TextPos {
  line: number;
  col: number;
}

/** A data file as Hiera sees it: the top-level hash, or why it cannot be used. */
export interface ParsedYaml {
  /** The document's value (any YAML value; `undefined` for an empty document). */
  value: unknown;
  /** Top-level keys whose value Puppet refuses to return (a Symbol, a Boolean hash key ...). */
  invalid: Map<string, string>;
  /** Where each top-level key is written. */
  keyPositions: Map<string, TextPos>;
  /** Duplicate keys (Psych keeps the last one silently). */
  duplicates: { key: string; pos: TextPos }[];
  /** `limit`: the file is refused for its size, not for its syntax (HIERA_LIMIT). */
  error?: { message: string; pos: TextPos; limit?: boolean };
}

/**
 * Values YAML aliases may add to one file (each alias counts the values it stands for). Anchors
 * that share a few hashes stay far below; an alias bomb (9 aliases of 9 aliases ...) stands for
 * hundreds of millions of values, which would kill whatever walks the value later.
 */
export const MAX_ALIAS_VALUES = 100_000;

/** Psych's Symbol: allowed by Puppet's safe_load, refused later as a lookup value. */
class RubySymbol {
  constructor(readonly name: string) {}
}

interface Converted {
  value: unknown;
  invalid?: string;
  /** How many values it stands for, aliases expanded. */
  size: number;
}

class Converter {
  private readonly memo = new Map<YamlNode, Converted>();
  readonly duplicates: { key: string; offset: number }[] = [];
  /** Values added by aliases so far. */
  private aliased = 0;

  constructor(private readonly doc: Document) {}

  convert(node: YamlNode | null | undefined): Converted {
    if (node === null || node === undefined) return { value: null, size: 1 };
    if (isAlias(node)) {
      const offset = node.range?.[0] ?? 0;
      const target = node.resolve(this.doc);
      if (!target) throw new YamlLoadError(`unknown alias: ${node.source}`, offset);
      const c = this.convert(target as YamlNode);
      this.aliased += c.size;
      if (this.aliased > MAX_ALIAS_VALUES) {
        throw new YamlLoadError(
          `YAML aliases expand this file by more than ${MAX_ALIAS_VALUES} values (the alias *${node.source} here goes over)`,
          offset,
          true,
        );
      }
      return c;
    }
    const cached = this.memo.get(node);
    if (cached) return cached;
    let out: Converted;
    if (isScalar(node)) {
      const s = scanScalar(node as never);
      switch (s.t) {
        case 'null':
          out = { value: null, size: 1 };
          break;
        case 'sym':
          out = { value: new RubySymbol(s.v), invalid: "Runtime[ruby, 'Symbol']", size: 1 };
          break;
        case 'float':
          out = { value: floatValue(s.v), size: 1 };
          break;
        case 'str':
        case 'int':
        case 'bool':
          out = { value: s.v, size: 1 };
      }
    } else if (isSeq(node)) {
      this.refuseRubyTag(node.tag, node.range?.[0] ?? 0);
      const arr: unknown[] = [];
      let invalid: string | undefined;
      let size = 1;
      for (const item of node.items) {
        const c = this.convert(item as YamlNode);
        arr.push(c.value);
        size += c.size;
        invalid ??= c.invalid;
      }
      out = { value: arr, size, ...(invalid ? { invalid } : {}) };
    } else if (isMap(node)) {
      this.refuseRubyTag(node.tag, node.range?.[0] ?? 0);
      out = this.convertMap(node.items as never, false).converted;
    } else {
      out = { value: null, size: 1 };
    }
    this.memo.set(node, out);
    return out;
  }

  private refuseRubyTag(tag: string | undefined, offset: number): void {
    if (!tag) return;
    if (tag.startsWith('!ruby/') || /(?:^!|:)(?:set|omap)$/.test(tag)) {
      throw new YamlLoadError(`Tried to load unspecified class: ${tag}`, offset);
    }
  }

  /** Psych's `revive_hash`, `<<` merge keys included; keys typed like scalars. */
  convertMap(
    items: { key: YamlNode | null; value: YamlNode | null }[],
    topLevel: boolean,
  ): { converted: Converted; perKey: Map<string, { invalid?: string; offset: number }> } {
    const hash: Hash = {};
    const perKey = new Map<string, { invalid?: string; offset: number }>();
    let invalid: string | undefined;
    let size = 1;
    for (const pair of items) {
      const keyNode = pair.key;
      const offset = keyNode?.range?.[0] ?? 0;
      let key: string;
      let keyInvalid: string | undefined;
      let integerKey = false;
      let keyTag: string | undefined;
      if (keyNode && isScalar(keyNode)) {
        keyTag = keyNode.tag;
        const s = scanScalar(keyNode as never);
        switch (s.t) {
          case 'str':
          case 'sym':
            key = s.v;
            break;
          case 'int':
            key = String(s.v);
            integerKey = true;
            break;
          case 'float':
            key = rubyFloatText(s.v);
            break;
          case 'bool':
            key = String(s.v);
            keyInvalid = 'Hash[Boolean, ...]';
            break;
          case 'null':
            key = '';
            keyInvalid = 'Hash[Undef, ...]';
            break;
        }
      } else {
        const c = this.convert(keyNode);
        key = JSON.stringify(c.value) ?? '';
        keyInvalid = 'Hash[Collection, ...]';
      }
      const val = this.convert(pair.value);
      size += 1 + val.size;
      if (key === '<<' && !integerKey && keyTag !== 'tag:yaml.org,2002:str' && !keyInvalid) {
        const target = pair.value && isAlias(pair.value) ? pair.value.resolve(this.doc) : pair.value;
        if (target && isMap(target) && isHash(val.value)) {
          this.mergeInto(hash, val.value, offset, perKey, val.invalid);
          invalid ??= val.invalid;
          continue;
        }
        if (target && isSeq(target) && Array.isArray(val.value) && val.value.every(isHash)) {
          const merged: Hash = {};
          for (const h of [...(val.value as Hash[])].reverse()) {
            for (const k of Object.keys(h)) merged[k] = h[k];
            copyIntegerKeys(h, merged);
          }
          this.mergeInto(hash, merged, offset, perKey, val.invalid);
          invalid ??= val.invalid;
          continue;
        }
      }
      if (hasOwn(hash, key)) this.duplicates.push({ key, offset });
      hash[key] = val.value;
      if (integerKey) markIntegerKey(hash, key);
      const why = keyInvalid ?? val.invalid;
      if (topLevel && (keyInvalid || integerKey)) {
        // Unreachable by a lookup key (Puppet looks up String keys only): leave it out.
        delete hash[key];
        continue;
      }
      perKey.set(key, { ...(val.invalid ? { invalid: val.invalid } : {}), offset });
      invalid ??= why;
    }
    return { converted: { value: hash, size, ...(invalid ? { invalid } : {}) }, perKey };
  }

  private mergeInto(
    hash: Hash,
    from: Hash,
    offset: number,
    perKey: Map<string, { invalid?: string; offset: number }>,
    invalid: string | undefined,
  ): void {
    for (const k of Object.keys(from)) {
      hash[k] = from[k];
      perKey.set(k, { ...(invalid ? { invalid } : {}), offset });
    }
    copyIntegerKeys(from, hash);
  }
}

/** Parses a Hiera YAML data file (or hiera.yaml) the way Puppet's `yaml_data` does. */
export function parseHieraYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const result: ParsedYaml = {
    value: undefined,
    invalid: new Map(),
    keyPositions: new Map(),
    duplicates: [],
  };
  const posOf = (offset: number): TextPos => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const docs = parseAllDocuments(source, {
    version: '1.1',
    schema: 'failsafe',
    merge: false,
    uniqueKeys: false,
    lineCounter,
    prettyErrors: false,
    strict: false,
  });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (!doc) return result;
  const err = doc.errors[0];
  if (err) {
    const offset = err.pos[0];
    result.error = { message: err.message.split('\n')[0]!, pos: posOf(offset) };
    return result;
  }
  try {
    const converter = new Converter(doc);
    const root = doc.contents as YamlNode | null;
    if (root && isMap(root) && !root.tag?.startsWith('!ruby/')) {
      const { converted, perKey } = converter.convertMap(root.items as never, true);
      result.value = converted.value;
      for (const [k, info] of perKey) {
        result.keyPositions.set(k, posOf(info.offset));
        if (info.invalid) result.invalid.set(k, info.invalid);
      }
    } else {
      result.value = root ? converter.convert(root).value : undefined;
    }
    result.duplicates = converter.duplicates.map((d) => ({ key: d.key, pos: posOf(d.offset) }));
  } catch (e) {
    if (!(e instanceof YamlLoadError)) throw e;
    result.value = undefined;
    result.error = { message: e.message, pos: posOf(e.offset), ...(e.limit ? { limit: true } : {}) };
  }
  return result;
}

export function isHashValue(v: unknown): v is Hash {
  return isHash(v) && !(v instanceof RubySymbol);
}
