// The route table of /api/v1 (docs/api.md): every route the API serves, in the order the OpenAPI
// document lists them. The plugin registers exactly these, the OpenAPI document describes exactly
// these, and the access matrix test has a rule for each one.
import type { ApiRoute } from './api-route.js';
import { jobRoutes } from './job-routes.js';
import { releaseRoutes } from './release-routes.js';
import { resourceRoutes } from './resource-routes.js';
import { tenantRoutes } from './tenant-routes.js';
import { tokenRoutes } from './token-routes.js';

export const API_PREFIX = '/api/v1';

export const apiRoutes: readonly ApiRoute[] = [
  ...tenantRoutes,
  ...releaseRoutes,
  ...resourceRoutes,
  ...jobRoutes,
  ...tokenRoutes,
];
