// Who may do what (docs/access.md): roles are assigned on a node of the tenant tree and inherited
// downwards. Each role belongs to one level of the tree (provider, reseller, customer) and is a
// fixed set of actions; "a role above your own" means a role with an action you lack.

/** Everything a principal can be allowed to do, on a node of the tree and below it. */
export const ACTIONS = [
  'read',
  'audit.read',
  'plan',
  'apply',
  'package.build',
  'repo.write',
  'release.freeze',
  'release.deploy',
  'release.promote',
  /** accept or reject a release for one's own customer */
  'release.decide',
  /** provider staff deciding for a customer: always with a reason, always audited */
  'release.decide-on-behalf',
  /** grant and revoke roles, create and revoke tokens, inside one's subtree */
  'access.manage',
] as const;
export type Action = (typeof ACTIONS)[number];

export type Level = 'provider' | 'reseller' | 'customer';

export interface RoleDefinition {
  level: Level;
  actions: readonly Action[];
  description: string;
}

const everything = ACTIONS.filter((a) => a !== 'release.decide');

export const ROLES = {
  'provider-admin': {
    level: 'provider',
    actions: everything,
    description: "the provider's administrators: everything, and access for everyone",
  },
  'provider-operator': {
    level: 'provider',
    actions: [
      'read',
      'audit.read',
      'plan',
      'apply',
      'package.build',
      'repo.write',
      'release.freeze',
      'release.deploy',
      'release.promote',
      'release.decide-on-behalf',
    ],
    description: "the provider's operators: run everything, grant nothing",
  },
  'provider-auditor': {
    level: 'provider',
    actions: ['read', 'audit.read'],
    description: 'reads everything and the audit log, changes nothing',
  },
  'reseller-admin': {
    level: 'reseller',
    actions: ['read', 'audit.read', 'access.manage'],
    description: "a reseller's administrators: its customers, their audit log and their access",
  },
  'reseller-reader': {
    level: 'reseller',
    actions: ['read'],
    description: "reads a reseller's customers",
  },
  'customer-admin': {
    level: 'customer',
    actions: ['read', 'audit.read', 'release.decide', 'access.manage'],
    description: "a customer's administrators: accept or reject releases, the audit log, access",
  },
  'customer-approver': {
    level: 'customer',
    actions: ['read', 'release.decide'],
    description: "accepts or rejects the customer's releases",
  },
  'customer-reader': {
    level: 'customer',
    actions: ['read'],
    description: "reads the customer's environments, VMs and releases",
  },
} as const satisfies Record<string, RoleDefinition>;

export type Role = keyof typeof ROLES;

export const ROLE_NAMES = Object.keys(ROLES) as Role[];

export function isRole(name: string): name is Role {
  return Object.hasOwn(ROLES, name);
}

export function actionsOf(role: Role): ReadonlySet<Action> {
  return new Set<Action>(ROLES[role].actions);
}
