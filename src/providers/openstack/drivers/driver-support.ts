import { createHash } from 'node:crypto';
import { ProviderError } from '../../../diag/index.js';
import type { EngineDriver } from '../../../engine/index.js';
import { diffFields } from '../../field-diff.js';
import type { FieldRule, Fields } from '../../field-diff.js';
import type { CallCtx } from '../neutron-common.js';
import type { OpenStackClient, Query } from '../openstack-client.js';
import type { ProviderSecrets } from '../../provider-secrets.js';
import { securityGroupSchema, securityGroups } from '../neutron-security-groups.js';

/**
 * What every OpenStack driver shares. Every object Aare creates carries its Aare address (with the
 * run's prefix) in `description` (Neutron, Keystone) or in the `aare_address` metadata (Nova), set
 * by the create call itself, so `list` finds a whole kind with one request per kind and page, and
 * `findByAddress` adopts what a killed apply created. The tag `aare-managed` is for people and
 * other tools only: Neutron applies tags in a step after the create, which a dropped connection
 * skips, so listings never filter on it.
 *
 * Desired shapes hold ids (refs are resolved by the engine); states are flattened to the same
 * field names plus `id`, so `diff` compares field by field.
 */
export const MANAGED_TAG = 'aare-managed';

export interface OpenStackDriverOptions {
  client: OpenStackClient;
  /** Prepended to names and address markers: '' in production, a unique one per test run. */
  prefix?: string;
  /** For the secret tokens in user-data (see provider-secrets.ts). */
  secrets?: () => Promise<ProviderSecrets>;
}

export interface DriverEnv {
  client: OpenStackClient;
  secrets?: () => Promise<ProviderSecrets>;
  /** The address marker a created object carries. */
  marker(address: string): string;
  /** The items whose marker is one of `addresses`, keyed by address (the first one wins). */
  byMarker<T>(
    items: T[],
    markOf: (t: T) => string | null | undefined,
    addresses: readonly string[],
  ): Map<string, T>;
}

export function driverEnv(opts: OpenStackDriverOptions): DriverEnv {
  const prefix = opts.prefix ?? '';
  const marker = (address: string) => `${prefix}${address}`;
  return {
    client: opts.client,
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
    marker,
    byMarker(items, markOf, addresses) {
      const wanted = new Map(addresses.map((a) => [marker(a), a]));
      const out = new Map<string, (typeof items)[number]>();
      for (const item of items) {
        const a = wanted.get(markOf(item) ?? '');
        if (a !== undefined && !out.has(a)) out.set(a, item);
      }
      return out;
    },
  };
}

export function mapValues<T, U>(m: Map<string, T>, f: (t: T) => U): Map<string, U> {
  return new Map([...m].map(([k, v]) => [k, f(v)]));
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The object a call just worked on is gone (deleted behind Aare's back mid-apply). */
export function goneError(message: string, address: string): ProviderError {
  return new ProviderError({ code: 'OPENSTACK_NOT_FOUND', status: 404, message, address });
}

// The client's generic list reads the collection's path as its JSON key, which for security
// groups is `security_groups`, not `security-groups`: list them here directly.
export const securityGroupCollection = {
  ...securityGroups,
  list: (cl: OpenStackClient, query: Query, ctx: CallCtx) =>
    cl.list('network', '/security-groups', 'security_groups', securityGroupSchema, {
      query,
      ...ctx,
      what: 'list security groups',
    }),
};

/** What differs between the Neutron kinds; the rest of a Neutron driver is the same for all. */
export interface NeutronKindSpec<T extends { id: string; description?: string | null | undefined }> {
  kind: string;
  coll: {
    list: (cl: OpenStackClient, q: Query, ctx: CallCtx) => Promise<T[]>;
    get: (cl: OpenStackClient, id: string, ctx: CallCtx) => Promise<T | undefined>;
    delete: (cl: OpenStackClient, id: string, ctx: CallCtx) => Promise<boolean>;
  };
  state: (t: T, extra?: unknown) => Fields;
  /** Data every list needs besides the objects (e.g. router interfaces), fetched once per list. */
  extra?: (signal: AbortSignal) => Promise<unknown>;
  create: (address: string, desired: Fields, signal: AbortSignal) => Promise<Fields>;
  update: (address: string, desired: Fields, prior: Fields, signal: AbortSignal) => Promise<Fields>;
  beforeDelete?: (prior: Fields, signal: AbortSignal, address: string) => Promise<void>;
  rules: Record<string, FieldRule>;
}

export function neutronDriver<T extends { id: string; description?: string | null | undefined }>(
  env: DriverEnv,
  spec: NeutronKindSpec<T>,
): EngineDriver<Fields, Fields> {
  const c = env.client;
  return {
    kind: spec.kind,
    endpoint: 'neutron',
    async list({ addresses, signal }) {
      const [all, extra] = await Promise.all([spec.coll.list(c, {}, { signal }), spec.extra?.(signal)]);
      return mapValues(
        env.byMarker(all, (x) => x.description, addresses),
        (x) => spec.state(x, extra),
      );
    },
    async read({ prior, signal, address }) {
      const [x, extra] = await Promise.all([
        spec.coll.get(c, String(prior?.id), { signal, address }),
        spec.extra?.(signal),
      ]);
      return x && spec.state(x, extra);
    },
    async findByAddress({ address, signal }) {
      return (await this.list!({ addresses: [address], signal })).get(address);
    },
    create: ({ address, desired, signal }) => spec.create(address, desired, signal),
    update: ({ address, desired, prior, signal }) => spec.update(address, desired, prior, signal),
    async delete({ address, prior, signal }) {
      await spec.beforeDelete?.(prior, signal, address);
      await spec.coll.delete(c, String(prior.id), { signal, address });
    },
    diff: (d, a) => diffFields(d, a, spec.rules),
  };
}
