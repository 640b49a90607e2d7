/**
 * The one catalogue of stable error codes. Messages may change; codes do not. Every boundary
 * (CLI exit code, HTTP status) is derived from here, never from message text.
 *
 * Add codes in the module's block; keep them UPPER_SNAKE and prefixed by their area.
 */
export const errorCodes = {
  // usage and generic input
  USAGE: { http: 400, exit: 2, doc: 'The command line or request is malformed.' },
  IO_ERROR: { http: 500, exit: 1, doc: 'A file could not be read or written.' },
  INTERNAL: { http: 500, exit: 1, doc: 'A bug in Aare: please report it.' },
  TOOL_MISSING: {
    http: 503,
    exit: 1,
    doc: 'An external program Aare runs (rpmbuild, git, bwrap, ...) is not installed.',
  },
  // YAML and schema
  YAML_SYNTAX: { http: 400, exit: 1, doc: 'The file is not valid YAML.' },
  JSON_SYNTAX: { http: 400, exit: 1, doc: 'The file is not valid JSON (e.g. a stored plan).' },
  YAML_DUPLICATE_KEY: { http: 400, exit: 1, doc: 'A mapping has the same key twice.' },
  SCHEMA: { http: 400, exit: 1, doc: 'A value does not match the file format.' },
  // references and model checks
  UNKNOWN_REFERENCE: { http: 400, exit: 1, doc: 'A name refers to something that does not exist.' },
  DUPLICATE_NAME: { http: 400, exit: 1, doc: 'Two things have the same name.' },
  INVALID_DNS_LABEL: { http: 400, exit: 1, doc: 'A name is not a valid DNS label.' },
  CIDR_INVALID: { http: 400, exit: 1, doc: 'A network is not a valid CIDR.' },
  CIDR_OVERLAP: { http: 400, exit: 1, doc: 'Two networks of one customer overlap.' },
  INVALID_NAME: { http: 400, exit: 1, doc: 'A profile, role, parameter or package name is not allowed.' },
  CUSTOMER_SCOPE: { http: 400, exit: 1, doc: "A customer's profile, role or repository used by another." },
  REPO_FILE_MISSING: {
    http: 400,
    exit: 1,
    doc: 'A file the control repository needs is missing, a symbolic link to nothing, or not a regular file.',
  },
  FILE_OUTSIDE_CONTROL_REPO: {
    http: 400,
    exit: 1,
    doc: 'A file or folder of the control repository resolves (by a symbolic link) outside it.',
  },
  FILE_NOT_UTF8: { http: 400, exit: 1, doc: 'A file of the control repository is not valid UTF-8.' },
  // Puppet data types
  TYPE_SYNTAX: { http: 400, exit: 1, doc: 'A Puppet type expression does not parse.' },
  TYPE_MISMATCH: { http: 400, exit: 1, doc: 'A value does not match its Puppet data type.' },
  // Hiera
  HIERA_CONFIG: { http: 400, exit: 1, doc: 'hiera.yaml is missing or invalid.' },
  HIERA_DATA: { http: 400, exit: 1, doc: 'A Hiera data file is invalid.' },
  HIERA_NOT_FOUND: { http: 404, exit: 1, doc: 'No value was found for the key.' },
  HIERA_INTERPOLATION: { http: 400, exit: 1, doc: 'An interpolation cannot be resolved.' },
  HIERA_RECURSION: { http: 400, exit: 1, doc: 'Interpolation or lookup loops back on itself.' },
  HIERA_MERGE: { http: 400, exit: 1, doc: 'Values cannot be merged.' },
  SECRET_KEYS: {
    http: 400,
    exit: 1,
    doc: 'An eyaml key file is missing, unreadable, not a key, or would be overwritten (aare secret).',
  },
  HIERA_DECRYPT: {
    http: 400,
    exit: 1,
    doc: "An eyaml ENC[...] block cannot be decrypted with the level's keys (wrong key, corrupt block, missing key file).",
  },
  HIERA_LIMIT: {
    http: 400,
    exit: 1,
    doc: 'Hiera data expands beyond the limits: YAML aliases, interpolated size or interpolation work.',
  },
  // compile
  PARAM_MISSING: { http: 400, exit: 1, doc: 'A required profile parameter has no value.' },
  TEMPLATE: { http: 400, exit: 1, doc: 'A profile template cannot be rendered.' },
  USER_DATA_TOO_LARGE: {
    http: 400,
    exit: 1,
    doc: "A VM's cloud-init user-data is larger than Nova accepts (65,535 base64 characters).",
  },
  PUPPET_RESERVED_NAME: {
    http: 400,
    exit: 1,
    doc: 'A profile parameter has a name Puppet refuses for a class parameter.',
  },
  // engine / providers
  PLAN_STALE: { http: 409, exit: 1, doc: 'The state changed since the plan was made.' },
  LOCKED: { http: 409, exit: 1, doc: 'Another apply holds the lock.' },
  CYCLE: { http: 400, exit: 1, doc: 'Resources depend on each other in a cycle.' },
  PROVIDER: { http: 502, exit: 1, doc: 'A real system refused or failed a call.' },
  // providers/openstack
  OPENSTACK_CONFIG: {
    http: 400,
    exit: 1,
    doc: 'clouds.yaml, OS_CLOUD or the OS_* variables are missing or invalid.',
  },
  OPENSTACK_AUTH: { http: 502, exit: 1, doc: 'Keystone refused the credentials or the token.' },
  OPENSTACK_FORBIDDEN: {
    http: 502,
    exit: 1,
    doc: 'OpenStack refused the call for lack of permission (403).',
  },
  OPENSTACK_NOT_FOUND: { http: 404, exit: 1, doc: 'The OpenStack resource or endpoint does not exist.' },
  OPENSTACK_CONFLICT: {
    http: 409,
    exit: 1,
    doc: 'OpenStack refused the call as conflicting (409) or over quota.',
  },
  OPENSTACK_BAD_REQUEST: { http: 502, exit: 1, doc: 'OpenStack rejected the request as invalid (400).' },
  OPENSTACK_UNAVAILABLE: { http: 503, exit: 1, doc: 'OpenStack failed or was unreachable after retries.' },
  OPENSTACK_BAD_RESPONSE: {
    http: 502,
    exit: 1,
    doc: 'OpenStack answered with a body Aare does not understand.',
  },
  OPENSTACK_TIMEOUT: {
    http: 504,
    exit: 1,
    doc: 'An OpenStack resource did not reach the wanted state in time.',
  },
  OPENSTACK_RESOURCE_ERROR: { http: 502, exit: 1, doc: 'An OpenStack resource went into an ERROR state.' },
  // providers/dns
  DNS_CONFIG: {
    http: 400,
    exit: 1,
    doc: 'The DNS endpoint of aare.yaml or its API key (AARE_DNS_API_KEY) is missing or invalid.',
  },
  LOGGING_CONFIG: {
    http: 400,
    exit: 1,
    doc: 'The central log receiver cannot be configured: two VMs share an address, a name or path is unsafe, or TLS files are missing.',
  },
  DNS_AUTH: { http: 502, exit: 1, doc: 'PowerDNS refused the API key (401/403).' },
  DNS_NOT_FOUND: { http: 404, exit: 1, doc: 'The PowerDNS server or zone does not exist.' },
  DNS_CONFLICT: {
    http: 409,
    exit: 1,
    doc: 'A DNS name Aare wants is taken by a record Aare does not own, or a zone already exists.',
  },
  DNS_BAD_REQUEST: { http: 502, exit: 1, doc: 'PowerDNS rejected the request as invalid (400/422).' },
  DNS_UNAVAILABLE: { http: 503, exit: 1, doc: 'PowerDNS failed or was unreachable after retries.' },
  DNS_BAD_RESPONSE: { http: 502, exit: 1, doc: 'PowerDNS answered with a body Aare does not understand.' },
  // providers/backup
  BACKUP_CONFIG: {
    http: 400,
    exit: 1,
    doc: 'The backup endpoint of aare.yaml or its htpasswd file is missing or unusable.',
  },
  BACKUP_AUTH: {
    http: 502,
    exit: 1,
    doc: 'The backup server refused a customer login (401/403): its htpasswd line is missing or different.',
  },
  BACKUP_CONFLICT: {
    http: 409,
    exit: 1,
    doc: "A backup login or repository Aare wants exists already and is not Aare's (another password).",
  },
  BACKUP_FAILED: { http: 502, exit: 1, doc: 'restic or the backup server refused or failed an operation.' },
  BACKUP_UNAVAILABLE: {
    http: 503,
    exit: 1,
    doc: 'The backup server failed or was unreachable after retries.',
  },
  // packaging and repositories
  PACKAGE_BUILD: { http: 400, exit: 1, doc: 'A package could not be built.' },
  BUILD_SANDBOX: {
    http: 503,
    exit: 1,
    doc: "The build sandbox (bubblewrap) cannot start on this machine; customers' specs are never run outside it.",
  },
  TAG_CHANGED: { http: 409, exit: 1, doc: 'A git tag points at other content than when it was built.' },
  RPM_INVALID: { http: 400, exit: 1, doc: 'A file is not a valid RPM.' },
  RPM_SIGNATURE: { http: 400, exit: 1, doc: 'An RPM is unsigned or not signed by a trusted key.' },
  RPM_LIMIT: {
    http: 400,
    exit: 1,
    doc: "An RPM's header exceeds a limit Aare reads (index entries, bytes, values per entry or in all).",
  },
  MIRROR_FETCH: {
    http: 502,
    exit: 1,
    doc: 'An upstream repository of a mirror could not be reached or answered with an error.',
  },
  MIRROR_METADATA: {
    http: 502,
    exit: 1,
    doc: "An upstream repository's repodata is malformed or uses a form Aare does not read (e.g. zstd).",
  },
  MIRROR_SIGNATURE: {
    http: 502,
    exit: 1,
    doc: "An upstream's repomd.xml is unsigned or its repomd.xml.asc does not verify against the mirror's key.",
  },
  MIRROR_DIGEST: {
    http: 502,
    exit: 1,
    doc: 'A package or metadata file of an upstream does not match the digest or size its signed repodata names.',
  },
  MIRROR_UNSUPPORTED: {
    http: 501,
    exit: 2,
    doc: 'A mirror feature not supported yet: the on_demand policy, or mirrors on a back end without them.',
  },
  UPLOAD_DISABLED: { http: 403, exit: 1, doc: 'Uploads over HTTP are off on this server.' },
  UPLOAD_UNAUTHORIZED: { http: 401, exit: 1, doc: 'An upload carries no valid bearer token.' },
  UPLOAD_TOO_LARGE: { http: 413, exit: 1, doc: 'An upload is larger than the server accepts.' },
  UPLOAD_BUSY: { http: 429, exit: 1, doc: 'The server is handling as many uploads as it allows.' },
  OIDC_CONFIG: {
    http: 400,
    exit: 1,
    doc: "The portal's OpenID Connect settings are wrong (aare.yaml portal.oidc, or aare serve --oidc-*).",
  },
  PULP_CONFIG: {
    http: 400,
    exit: 1,
    doc: 'The Pulp back end of the repository service is misconfigured (aare.yaml repositories, password).',
  },
  PULP_AUTH: { http: 502, exit: 1, doc: 'Pulp refused the credentials (401/403).' },
  PULP_TASK_FAILED: { http: 502, exit: 1, doc: 'A Pulp task failed or was canceled; its error is shown.' },
  PULP_UNAVAILABLE: { http: 503, exit: 1, doc: 'Pulp was unreachable or answered with a server error.' },
  PULP_BAD_REQUEST: { http: 502, exit: 1, doc: 'Pulp rejected a request Aare made as invalid (400).' },
  NOT_FOUND: { http: 404, exit: 1, doc: 'The named thing does not exist.' },
  ACCESS_DENIED: {
    http: 403,
    exit: 1,
    doc: 'The principal may see the thing but not do this to it (docs/access.md).',
  },
  UNAUTHENTICATED: {
    http: 401,
    exit: 1,
    doc: 'The request carries no valid token or session (docs/access.md).',
  },
  CSRF_REFUSED: {
    http: 403,
    exit: 1,
    doc: "A write with the portal's session cookie lacks the session's CSRF token (docs/portal.md).",
  },
  OIDC_UNAVAILABLE: {
    http: 503,
    exit: 1,
    doc: 'The OpenID Connect provider of the portal cannot be reached (docs/portal.md).',
  },
  LOGIN_FAILED: {
    http: 401,
    exit: 1,
    doc: 'The portal login failed: a wrong password, or an OpenID Connect identity no user is mapped to (docs/portal.md).',
  },
  // HTTP requests refused before any route sees them (aare serve answers them as problem+json)
  METHOD_NOT_ALLOWED: { http: 405, exit: 2, doc: 'The HTTP method is not allowed on this path.' },
  REQUEST_TIMEOUT: { http: 408, exit: 1, doc: 'The client did not send its request in time.' },
  REQUEST_TOO_LARGE: { http: 413, exit: 1, doc: 'A request body is larger than the route accepts.' },
  UNSUPPORTED_MEDIA_TYPE: {
    http: 415,
    exit: 2,
    doc: "The request body's Content-Type is not accepted here.",
  },
  RANGE_NOT_SATISFIABLE: { http: 416, exit: 1, doc: 'A Range header asks for bytes outside the file.' },
  HEADERS_TOO_LARGE: { http: 431, exit: 1, doc: "The request's headers are larger than the server reads." },
  SERVER_CLOSING: { http: 503, exit: 1, doc: 'The server is shutting down and takes no new requests.' },
  SERVER_CRASHED: {
    http: 500,
    exit: 1,
    doc: 'The server that ran the job stopped without ending it (killed or crashed); submit it again.',
  },
  CONFLICT: { http: 409, exit: 1, doc: 'The request conflicts with the current state.' },
  SERVER_UNREACHABLE: {
    http: 502,
    exit: 1,
    doc: 'The Aare server named by --server (AARE_SERVER) cannot be reached or does not answer as the API.',
  },
  SIGNING_KEY_MISSING: {
    http: 500,
    exit: 1,
    doc: 'The provider signing key file is missing but the state already uses a key.',
  },
  SECRETS_UNAVAILABLE: {
    http: 500,
    exit: 1,
    doc: 'A resource needs a secret Aare generated (backup passwords), and no state holds them.',
  },
  // state
  STATE_CORRUPT: {
    http: 500,
    exit: 1,
    doc: 'The state database is empty or not a database while other state exists.',
  },
  // maintenance windows, releases, audit (docs/maintenance.md)
  WINDOW_IMPOSSIBLE: {
    http: 400,
    exit: 1,
    doc: 'A maintenance window cannot close before the next freeze in every month.',
  },
  CONTROL_REPO_DIRTY: {
    http: 409,
    exit: 1,
    doc: 'The control repository is not a git repository with everything committed, so no commit describes it.',
  },
  AUDIT_TAMPERED: {
    http: 500,
    exit: 1,
    doc: 'The audit log was changed outside Aare: an entry was edited, deleted or inserted.',
  },
  OUTSIDE_WINDOW: {
    http: 409,
    exit: 1,
    doc: "A change to production outside the customer's production window (or too soon after test); --emergency --reason overrides.",
  },
  RELEASE_NOT_ACCEPTED: {
    http: 409,
    exit: 1,
    doc: 'The customer has not accepted the release, or its diff changed since the acceptance.',
  },
  // lab
  LAB: { http: 500, exit: 1, doc: 'A lab service could not be installed or started.' },
} as const satisfies Record<string, { http: number; exit: number; doc: string }>;

export type ErrorCode = keyof typeof errorCodes;

export function exitCodeOf(code: ErrorCode): number {
  return errorCodes[code].exit;
}

export function httpStatusOf(code: ErrorCode): number {
  return errorCodes[code].http;
}
