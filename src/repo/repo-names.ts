// The names content commands are given, checked against the control repository's model before
// anything is written: a distribution for a customer or environment the model does not have
// would be served to nobody and kept forever.
import { error } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';

/** What the check needs of the model: customers and their environments by name. */
export interface ModelNames {
  customers: ReadonlyMap<string, { environments: ReadonlyMap<string, unknown> }>;
}

const known = (names: Iterable<string>): string => {
  const list = [...names].sort();
  return list.length ? ` (known: ${list.join(', ')})` : ' (the control repository declares none)';
};

/**
 * Diagnostics for a customer (and, when given, its environment) the model does not declare;
 * empty when both exist. Each names the field the user gave.
 */
export function checkModelNames(
  model: ModelNames,
  target: { customer: string; environment?: string },
): Diagnostic[] {
  const customer = model.customers.get(target.customer);
  if (!customer)
    return [
      error(
        'UNKNOWN_REFERENCE',
        `no customer '${target.customer}' in the control repository${known(model.customers.keys())}`,
        { field: 'customer' },
      ),
    ];
  if (target.environment !== undefined && !customer.environments.has(target.environment))
    return [
      error(
        'UNKNOWN_REFERENCE',
        `customer '${target.customer}' has no environment '${target.environment}'${known(customer.environments.keys())}`,
        { field: 'environment' },
      ),
    ];
  return [];
}
