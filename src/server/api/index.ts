/**
 * The HTTP API of `aare serve` under /api/v1 (docs/api.md): a route table whose every route
 * declares the access action it needs, the node of the tenant tree it acts on and the zod schemas
 * of its input and answer; one handler that authenticates, validates and decides with src/access
 * for all of them; and the OpenAPI 3.1 document generated from the same table. It never decides
 * access by itself: every refusal and every list filter comes from src/access's one function.
 */
export { apiPlugin, API_BODY_LIMIT } from './api-plugin.js';
export type { ApiOptions } from './api-plugin.js';
export { apiRoutes, API_PREFIX } from './api-routes.js';
export { openApiDocument } from './api-openapi.js';
export { NOT_VISIBLE } from './api-handler.js';
export { SHARED } from './api-route.js';
export type { ApiEnv, ApiInput, ApiRoute, Access, Caller, Method, Target } from './api-route.js';
export { pageTokenOf, afterKeyOf } from './api-paging.js';
export { MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE, problemSchema } from './api-schemas.js';
