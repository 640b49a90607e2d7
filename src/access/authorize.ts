// The one authorization function (docs/access.md). Every request is decided here and every list
// is scoped by the same grants, so a list never shows what a direct read would refuse. What lies
// outside every grant of the caller does not exist for it (404); what it can see but not do is 403.
import { actionsOf, ROLES } from './access-roles.js';
import type { Action, Role } from './access-roles.js';
import { isWithin, parseScope } from './access-scope.js';
import type { ScopePath } from './access-scope.js';

export interface Grant {
  role: Role;
  scope: ScopePath;
}

export type Decision = { allowed: true } | { allowed: false; status: 403 | 404 };

export function decide(grants: readonly Grant[], action: Action, target: ScopePath): Decision {
  const covering = grants.filter((g) => isWithin(target, g.scope));
  if (covering.some((g) => actionsOf(g.role).has(action))) return { allowed: true };
  return { allowed: false, status: covering.length > 0 ? 403 : 404 };
}

/**
 * The nodes under which `action` is allowed, without nodes another one already covers: a list
 * query keeps a row whose scope is within one of them (`inScopes`), and nothing else.
 */
export function allowedScopes(grants: readonly Grant[], action: Action): ScopePath[] {
  const scopes = [...new Set(grants.filter((g) => actionsOf(g.role).has(action)).map((g) => g.scope))];
  return scopes.filter((s) => !scopes.some((o) => o !== s && isWithin(s, o))).sort();
}

export function inScopes(scope: ScopePath, scopes: readonly ScopePath[]): boolean {
  return scopes.some((s) => isWithin(scope, s));
}

/** The actions `grants` allow on `target` (inherited from every node above it). */
export function actionsAt(grants: readonly Grant[], target: ScopePath): Set<Action> {
  const out = new Set<Action>();
  for (const g of grants) if (isWithin(target, g.scope)) for (const a of actionsOf(g.role)) out.add(a);
  return out;
}

/** True when `grants` hold every action of `role` on `scope`: the role is not above them there. */
export function covers(grants: readonly Grant[], role: Role, scope: ScopePath): boolean {
  const held = actionsAt(grants, scope);
  return [...actionsOf(role)].every((a) => held.has(a));
}

export type GrantRefusal =
  | { reason: 'level'; level: string }
  | { reason: 'not-visible' }
  | { reason: 'no-manage' }
  | { reason: 'above-own'; missing: Action[] };

/**
 * May a principal with `granter` grants give `role` on `scope`? Only inside its subtree, only
 * with `access.manage` there, never a role with an action it does not hold there itself, and
 * only on a node of the role's level.
 */
export function mayGrant(
  granter: readonly Grant[],
  role: Role,
  scope: ScopePath,
): { allowed: true } | { allowed: false; refusal: GrantRefusal } {
  const parsed = parseScope(scope);
  if ('code' in parsed || parsed.level !== ROLES[role].level)
    return { allowed: false, refusal: { reason: 'level', level: ROLES[role].level } };
  const d = decide(granter, 'access.manage', scope);
  if (!d.allowed)
    return {
      allowed: false,
      refusal: d.status === 404 ? { reason: 'not-visible' } : { reason: 'no-manage' },
    };
  const held = actionsAt(granter, scope);
  // deciding on behalf is the provider's form of deciding: it may appoint a customer's approvers
  if (held.has('release.decide-on-behalf')) held.add('release.decide');
  const missing = [...actionsOf(role)].filter((a) => !held.has(a));
  return missing.length ? { allowed: false, refusal: { reason: 'above-own', missing } } : { allowed: true };
}
