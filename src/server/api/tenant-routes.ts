// Resellers, customers, their environments and VMs (docs/api.md), read from the control repository
// `aare serve` loaded. A VM's parameters come with their Hiera origin; a secret shows as
// `[sensitive] sha256:<digest>`, as `aare lookup --vm` shows it.
import { z } from 'zod';
import { scopePath } from '../../access/index.js';
import type { AppContext } from '../../app/index.js';
import { describeOrigin, redactedSecret, resolveParameters } from '../../compile/index.js';
import type { Diagnostic } from '../../diag/index.js';
import { findVm, vmFacts, vmSummary } from '../../model/index.js';
import type { ControlRepo, Customer, Vm } from '../../model/index.js';
import { listRoute, oneRoute } from './api-route.js';
import type { Target } from './api-route.js';
import {
  customerSchema,
  environmentSchema,
  nameParam,
  resellerSchema,
  vmSchema,
  vmSummarySchema,
} from './api-schemas.js';

/** The node of a customer, or undefined when the control repository has none by that name. */
export function customerTarget(app: AppContext, customer: string): Target {
  const c = app.controlRepo().customers.get(customer);
  return c ? { node: scopePath(c.reseller, c.name) } : undefined;
}

function resellerTarget(app: AppContext, reseller: string): Target {
  return app.controlRepo().resellers.has(reseller) ? { node: scopePath(reseller) } : undefined;
}

export const customerScope = (c: { reseller: string; name: string }): string => scopePath(c.reseller, c.name);

function customerOf(c: Customer) {
  return {
    name: c.name,
    reseller: c.reseller,
    displayName: c.displayName,
    contact: c.contact,
    environments: [...c.environments.keys()],
  };
}

/** The VM's parameters as Puppet's automatic parameter lookup resolves them, secrets redacted. */
function vmDetail(repo: ControlRepo, app: AppContext, vm: Vm) {
  const diagnostics: Diagnostic[] = [];
  const profiles = resolveParameters(repo, app.hiera(), vm, vmFacts(repo, vm), diagnostics);
  const parameters = profiles.flatMap((p) =>
    [...p.parameters].map(([name, r]) => {
      const where = describeOrigin(r.origin);
      return {
        profile: p.profile.name,
        name,
        key: `${p.profile.puppetClass}::${name}`,
        value: r.sensitive ? redactedSecret(r.value) : r.value,
        sensitive: r.sensitive === true,
        origin: {
          kind: r.origin.kind,
          text: where.text,
          ...(where.source ? { file: where.source.file, line: where.source.start.line } : {}),
        },
      };
    }),
  );
  return { ...vmSummary(vm), parameters, errors: diagnostics.filter((d) => d.severity === 'error') };
}

const resellerParams = z.object({ reseller: nameParam });
const customerParams = z.object({ customer: nameParam });

export const tenantRoutes = [
  listRoute({
    id: 'listResellers',
    method: 'GET',
    path: '/resellers',
    summary: 'The resellers the caller may read',
    tag: 'tenants',
    access: { kind: 'node', action: 'read', target: () => ({ anywhere: true }) },
    item: resellerSchema,
    scopeOf: (r) => scopePath(r.name),
    key: (r) => r.name,
    handle: (_input, env) =>
      Promise.resolve(
        [...env.app.controlRepo().resellers.values()].map((r) => ({
          name: r.name,
          displayName: r.displayName,
          contact: r.contact,
          // a reseller's customers are each its own node: only the visible ones are named
          customers: r.customers.filter((c) => env.visible(scopePath(r.name, c))),
        })),
      ),
  }),
  oneRoute({
    id: 'getReseller',
    method: 'GET',
    path: '/resellers/{reseller}',
    summary: 'One reseller',
    tag: 'tenants',
    params: resellerParams,
    access: {
      kind: 'node',
      action: 'read',
      target: ({ params }, app) => resellerTarget(app, params.reseller),
    },
    response: resellerSchema,
    handle: ({ params }, env) => {
      const r = env.app.controlRepo().resellers.get(params.reseller)!;
      return Promise.resolve({
        name: r.name,
        displayName: r.displayName,
        contact: r.contact,
        customers: r.customers,
      });
    },
  }),
  listRoute({
    id: 'listCustomers',
    method: 'GET',
    path: '/customers',
    summary: 'The customers the caller may read, optionally of one reseller',
    tag: 'tenants',
    query: z.object({ reseller: nameParam.optional() }),
    access: {
      kind: 'node',
      action: 'read',
      target: ({ query }, app) =>
        query.reseller === undefined ? { anywhere: true } : resellerTarget(app, query.reseller),
    },
    item: customerSchema,
    scopeOf: customerScope,
    key: (c) => c.name,
    handle: ({ query }, env) =>
      Promise.resolve(
        [...env.app.controlRepo().customers.values()]
          .filter((c) => query.reseller === undefined || c.reseller === query.reseller)
          .map(customerOf),
      ),
  }),
  oneRoute({
    id: 'getCustomer',
    method: 'GET',
    path: '/customers/{customer}',
    summary: 'One customer',
    tag: 'tenants',
    params: customerParams,
    access: {
      kind: 'node',
      action: 'read',
      target: ({ params }, app) => customerTarget(app, params.customer),
    },
    response: customerSchema,
    handle: ({ params }, env) =>
      Promise.resolve(customerOf(env.app.controlRepo().customers.get(params.customer)!)),
  }),
  listRoute({
    id: 'listEnvironments',
    method: 'GET',
    path: '/customers/{customer}/environments',
    summary: "A customer's environments (test, production, ...)",
    tag: 'tenants',
    params: customerParams,
    access: {
      kind: 'node',
      action: 'read',
      target: ({ params }, app) => customerTarget(app, params.customer),
    },
    item: environmentSchema,
    scopeOf: (e) => customerScope({ reseller: e.reseller, name: e.customer }),
    key: (e) => e.name,
    handle: ({ params }, env) => {
      const c = env.app.controlRepo().customers.get(params.customer)!;
      return Promise.resolve(
        [...c.environments.values()].map((e) => ({
          name: e.name,
          customer: c.name,
          reseller: c.reseller,
          network: e.network,
          ...(e.productionWindow ? { productionWindow: e.productionWindow } : {}),
        })),
      );
    },
  }),
  listRoute({
    id: 'listVms',
    method: 'GET',
    path: '/customers/{customer}/vms',
    summary: "A customer's VMs in every environment",
    tag: 'tenants',
    params: customerParams,
    query: z.object({ environment: nameParam.optional() }),
    access: {
      kind: 'node',
      action: 'read',
      target: ({ params }, app) => customerTarget(app, params.customer),
    },
    item: vmSummarySchema,
    scopeOf: (vm) => customerScope({ reseller: vm.reseller, name: vm.customer }),
    key: (vm) => vm.address,
    handle: ({ params, query }, env) =>
      Promise.resolve(
        env.app
          .controlRepo()
          .vms.filter(
            (vm) =>
              vm.customer === params.customer &&
              (query.environment === undefined || vm.environment === query.environment),
          )
          .map(vmSummary),
      ),
  }),
  oneRoute({
    id: 'getVm',
    method: 'GET',
    path: '/vms/{customer}/{environment}/{vm}',
    summary: "One VM with its compiled parameters and each one's Hiera origin (secrets redacted)",
    tag: 'tenants',
    params: z.object({ customer: nameParam, environment: nameParam, vm: nameParam }),
    access: {
      kind: 'node',
      action: 'read',
      target: ({ params }, app) => {
        const vm = findVm(app.controlRepo(), `${params.customer}/${params.environment}/${params.vm}`);
        return vm ? customerTarget(app, vm.customer) : undefined;
      },
    },
    response: vmSchema,
    handle: ({ params }, env) => {
      const repo = env.app.controlRepo();
      const vm = findVm(repo, `${params.customer}/${params.environment}/${params.vm}`)!;
      return Promise.resolve(vmDetail(repo, env.app, vm));
    },
  }),
];
