// `aare lookup`'s default rendering, imported only when a lookup prints YAML.
import { stringify } from 'yaml';

/**
 * The value as `puppet lookup` prints it by default (Psych's `YAML.dump`): a scalar or an empty
 * collection on the document's first line (`--- 8080`), a collection below it; YAML 1.1, so that
 * strings such as 'yes' or 'y' stay quoted for Puppet's readers.
 */
export function yamlDocument(value: unknown): string {
  const body = stringify(value, { version: '1.1', indentSeq: false, lineWidth: 0 });
  const collection = typeof value === 'object' && value !== null && Object.keys(value).length > 0;
  return collection ? `---\n${body}` : `--- ${body}`;
}
