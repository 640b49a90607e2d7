/**
 * Access (docs/access.md): principals (users, API tokens), roles on nodes of the tenant tree
 * (`/`, `/r/<reseller>`, `/r/<reseller>/c/<customer>`) inherited downwards, and the one function
 * that decides every request and scopes every list. Knows tenants only as tree paths; reads no
 * control repository and never prints.
 */
export { ACTIONS, ROLES, ROLE_NAMES, actionsOf, isRole } from './access-roles.js';
export type { Action, Level, Role, RoleDefinition } from './access-roles.js';
export { isWithin, parseScope, scopePath } from './access-scope.js';
export type { Scope, ScopePath } from './access-scope.js';
export { actionsAt, allowedScopes, covers, decide, inScopes, mayGrant } from './authorize.js';
export type { Decision, Grant, GrantRefusal } from './authorize.js';
export { TOKEN_PREFIX, hashPassword, newToken, tokenIdOf, verifyPassword } from './access-secrets.js';
export {
  addUser,
  authenticatePassword,
  authenticateToken,
  createToken,
  findUser,
  grantRole,
  grantsOf,
  listPrincipals,
  revokeRole,
  revokeToken,
} from './access-store.js';
export type {
  AccessContext,
  CreatedToken,
  ListedPrincipal,
  Principal,
  TokenRefusal,
} from './access-store.js';
