// `aare lookup`'s default rendering, imported only when a lookup prints YAML.
import { Document, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { isIntegerKey, PuppetFloat } from '../puppet-types/index.js';

/**
 * The value as `puppet lookup` prints it by default (Psych's `YAML.dump`): a scalar or an empty
 * collection on the document's first line (`--- 8080`), a collection below it; YAML 1.1, so that
 * strings such as 'yes' or 'y' stay quoted for Puppet's readers. Whole-number Floats keep their
 * `.0` and Integer hash keys stay unquoted, as Psych writes them.
 */
export function yamlDocument(value: unknown): string {
  const doc = new Document(null, { version: '1.1' });
  doc.contents = toNode(value) as never;
  const body = doc.toString({ indentSeq: false, lineWidth: 0 });
  const collection =
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof PuppetFloat) &&
    Object.keys(value).length > 0;
  return collection ? `---\n${body}` : `--- ${body}`;
}

function toNode(v: unknown): unknown {
  if (v instanceof PuppetFloat) {
    const s = new Scalar(v.value);
    s.minFractionDigits = 1;
    return s;
  }
  if (Array.isArray(v)) {
    const seq = new YAMLSeq();
    for (const x of v) seq.items.push(toNode(x));
    return seq;
  }
  if (typeof v === 'object' && v !== null) {
    const map = new YAMLMap();
    const hash = v as Record<string, unknown>;
    for (const k of Object.keys(hash)) {
      map.items.push(new Pair(isIntegerKey(hash, k) ? new Scalar(Number(k)) : k, toNode(hash[k])));
    }
    return map;
  }
  return new Scalar(v === undefined ? null : v);
}
