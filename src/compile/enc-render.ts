// Puppet ENC (external node classifier) output: the document Puppet reads from an
// `external_nodes` script. Puppet binds `classes` parameters as class parameters (they win over
// its own automatic lookup), sets the node's code `environment`, and makes `parameters` top-scope
// variables.
import { emitYaml } from './yaml-emit.js';

export interface EncDocument {
  /** Each profile's Puppet class with the parameters Aare resolved for it. */
  classes: Record<string, Record<string, unknown>>;
  /** Puppet code environment. */
  environment: string;
  /** Top-scope variables: reseller, customer, role (and the customer environment as aare_environment). */
  parameters: Record<string, unknown>;
}

/** enc.yaml as Puppet reads it. */
export function renderEnc(enc: EncDocument): string {
  return '---\n' + emitYaml(enc);
}
