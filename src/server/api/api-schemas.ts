// The API's shared schemas: one zod schema per thing a client sees, registered under the name the
// OpenAPI document gives it (components.schemas), so the document and the checks never drift.
import { z } from 'zod';
import { ROLE_NAMES } from '../../access/index.js';
import type { Role } from '../../access/index.js';
import { errorCodes } from '../../diag/index.js';
import type { ErrorCode } from '../../diag/index.js';

/** The named schemas of the OpenAPI document (components.schemas), by name. */
export const namedSchemas = new Map<string, { schema: z.ZodType; description?: string }>();

function named<T extends z.ZodType>(id: string, schema: T, description?: string): T {
  namedSchemas.set(id, { schema, ...(description ? { description } : {}) });
  return schema;
}

/** A tenant name as the control repository allows it (also keeps path segments plain). */
export const nameParam = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$/, 'must be lower-case letters, digits, _ and -');

const sourcePos = z.object({
  line: z.number().int(),
  col: z.number().int(),
  offset: z.number().int().optional(),
});

export const diagnosticSchema = named(
  'Diagnostic',
  z.object({
    severity: z.enum(['error', 'warning']),
    code: z.string(),
    summary: z.string(),
    detail: z.string().optional(),
    address: z.string().optional(),
    field: z.string().optional(),
    source: z.object({ file: z.string(), start: sourcePos, end: sourcePos.optional() }).optional(),
  }),
);

export const problemSchema = named(
  'Problem',
  z.object({
    type: z.literal('about:blank'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]),
    errors: z.array(diagnosticSchema).optional(),
  }),
  "RFC 9457 problem details; `code` is Aare's stable error code (branch on it, not on `detail`).",
);

export const grantSchema = named(
  'Grant',
  z.object({
    role: z.enum(ROLE_NAMES as [Role, ...Role[]]),
    scope: z
      .string()
      .describe("a node of the tenant tree: '/', '/r/<reseller>' or '/r/<reseller>/c/<customer>'"),
  }),
);

const contact = z.object({ name: z.string(), email: z.string(), phone: z.string().optional() });

export const resellerSchema = named(
  'Reseller',
  z.object({ name: z.string(), displayName: z.string(), contact, customers: z.array(z.string()) }),
);

export const customerSchema = named(
  'Customer',
  z.object({
    name: z.string(),
    reseller: z.string(),
    displayName: z.string(),
    contact,
    environments: z.array(z.string()),
  }),
);

const windowSchema = z.object({
  start: z.string(),
  duration: z.string(),
  days: z.array(z.string()).optional(),
});

export const environmentSchema = named(
  'Environment',
  z.object({
    name: z.string(),
    customer: z.string(),
    reseller: z.string(),
    network: z.object({ cidr: z.string() }),
    productionWindow: windowSchema.optional(),
  }),
);

export const vmSummarySchema = named(
  'VmSummary',
  z.object({
    address: z.string().describe('customer/environment/vm'),
    name: z.string(),
    reseller: z.string(),
    customer: z.string(),
    environment: z.string(),
    role: z.string(),
    profiles: z.array(z.string()),
    flavor: z.string(),
    image: z.string(),
    fqdn: z.string(),
  }),
);

export const parameterSchema = named(
  'Parameter',
  z.object({
    profile: z.string(),
    name: z.string(),
    key: z.string().describe('the Hiera key: <puppet class>::<parameter>'),
    value: z.unknown().describe('a secret shows as `[sensitive] sha256:<digest>`'),
    sensitive: z.boolean(),
    origin: z.object({
      kind: z.enum(['hiera', 'role', 'profile']),
      text: z.string(),
      file: z.string().optional(),
      line: z.number().int().optional(),
    }),
  }),
);

export const vmSchema = named(
  'Vm',
  vmSummarySchema.extend({
    parameters: z.array(parameterSchema),
    errors: z.array(diagnosticSchema).describe('what stops the VM from compiling, secrets redacted'),
  }),
);

export const releaseSchema = named(
  'Release',
  z.object({
    name: z.string(),
    month: z.string(),
    frozenAt: z.string(),
    commit: z.string(),
    snapshot: z.string(),
    frozenBy: z.string().describe('who froze it (the audit log names the same actor)'),
    deployed: z.array(z.object({ customer: z.string(), environment: z.string() })),
    decisions: z.array(
      z.object({ customer: z.string(), decision: z.enum(['accepted', 'rejected']), current: z.boolean() }),
    ),
  }),
  "A monthly release; `deployed` and `decisions` list only the caller's customers.",
);

const packageRef = named(
  'PackageRef',
  z.object({
    sha256: z.string(),
    filename: z.string(),
    name: z.string(),
    epoch: z.number().int(),
    version: z.string(),
    release: z.string(),
    arch: z.string(),
    size: z.number().int(),
  }),
);

export const releaseDiffSchema = named(
  'ReleaseDiff',
  z.object({
    release: z.string(),
    customer: z.string(),
    environment: z.string().describe('the production environment compared against'),
    commit: z.object({ from: z.string().optional(), to: z.string() }),
    repositories: z.array(
      z.object({
        repository: z.string(),
        from: z.number().int().optional(),
        to: z.number().int().optional(),
        added: z.array(packageRef),
        removed: z.array(packageRef),
        upgraded: z.array(
          z.object({
            name: z.string(),
            arch: z.string(),
            from: z.string(),
            to: z.string(),
            downgrade: z.boolean(),
          }),
        ),
      }),
    ),
    parameters: z.array(
      z.object({
        vm: z.string(),
        status: z.enum(['added', 'removed', 'changed']),
        parameters: z.array(
          z.object({
            profile: z.string(),
            name: z.string(),
            from: z.unknown().optional(),
            to: z.unknown().optional(),
            origin: z.string().optional(),
            sensitive: z.literal(true).optional(),
          }),
        ),
      }),
    ),
    parametersFrom: z.string(),
    digest: z.string(),
    acceptance: z
      .object({
        decision: z.enum(['accepted', 'rejected']),
        current: z.boolean(),
        decidedBy: z.string(),
        decidedAt: z.string(),
        comment: z.string().optional(),
      })
      .optional(),
  }),
);

export const decisionSchema = named(
  'Decision',
  z.object({
    release: z.string(),
    customer: z.string(),
    decision: z.enum(['accepted', 'rejected']),
    digest: z.string(),
    comment: z.string().optional(),
    decidedBy: z.string(),
    decidedAt: z.string(),
    onBehalf: z.object({ reason: z.string() }).optional(),
  }),
);

export const auditEntrySchema = named(
  'AuditEntry',
  z.object({
    id: z.number().int(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    scope: z.string().describe("as recorded: 'reseller/customer', 'reseller' or '' (provider-wide)"),
    node: z.string().describe('the node of the tenant tree the entry belongs to'),
    customer: z.string().optional(),
    detail: z.record(z.string(), z.unknown()),
    result: z.string(),
    hash: z.string(),
  }),
);

export const windowEntrySchema = named(
  'WindowEntry',
  z.object({
    kind: z.enum(['freeze', 'test', 'production']),
    reseller: z.string().optional(),
    customer: z.string().optional(),
    environment: z.string().optional(),
    start: z.string(),
    end: z.string(),
  }),
);

export const tokenSchema = named(
  'Token',
  z.object({
    id: z.string(),
    name: z.string(),
    owner: z.string().optional(),
    grants: z.array(grantSchema),
    expiresAt: z.string(),
    revokedAt: z.string().optional(),
    createdBy: z.string(),
    createdAt: z.string(),
  }),
);

export const createdTokenSchema = named(
  'CreatedToken',
  tokenSchema.extend({
    token: z.string().optional().describe('the secret, shown in this answer only (not in a replay)'),
  }),
);

/** The answer of every list: a page of items and, when more follow, the token of the next page. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextPageToken: z.string().optional().describe('pass as pageToken for the next page'),
  });
}

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 100;

export const pageQuery = z.object({
  pageSize: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .optional()
    .describe(`items per page, up to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`),
  pageToken: z.string().max(1024).optional().describe('nextPageToken of the previous page'),
});
