// Table types of the store. One interface per table; migrations create exactly these.
// Each module that keeps state adds its tables here and a migration file in migrations/.
import type { Generated } from 'kysely';

export interface KvTable {
  scope: string;
  key: string;
  value: string;
  updated_at: string;
}

export interface AuditTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  /** Tenant scope of the entry: `reseller/customer`, or '' for provider-wide. */
  scope: string;
  detail: string;
  /** The customer the entry is about, when it is about one (for `aare audit --customer`). */
  customer: string | null;
  /** `ok`, `refused`, `failed`. */
  result: Generated<string>;
  /** The previous entry's hash ('' for the first); unique, so the chain cannot fork. */
  prev_hash: Generated<string>;
  /** sha256 over this entry's content and prev_hash (src/release/audit-log.ts). */
  hash: Generated<string>;
}

/** release: one row per release (the monthly freeze), never changed once written. */
export interface ReleaseTable {
  name: string;
  /** The month the release belongs to, `2027-03`, in the maintenance time zone. */
  month: string;
  frozen_at: string;
  /** The control repository's git commit at the freeze. */
  commit: string;
  /** The repository snapshot with every repository's version at the freeze. */
  snapshot: string;
  frozen_by: string;
}

/** release: which process made a month's scheduled freeze (one row per month, never two). */
export interface ReleaseFreezeClaimTable {
  month: string;
  claimed_by: string;
  claimed_at: string;
}

/** release: a customer's accept or reject of a release, bound to the digest of the diff it saw. */
export interface ReleaseDecisionTable {
  id: Generated<number>;
  release: string;
  customer: string;
  decision: 'accepted' | 'rejected';
  digest: string;
  comment: string | null;
  decided_by: string;
  decided_at: string;
}

/** release: when a release first reached a customer's environment (one row, kept). */
export interface ReleaseDeploymentTable {
  release: string;
  customer: string;
  environment: string;
  deployed_at: string;
  deployed_by: string;
  /** For production: the digest of the accepted diff it was promoted with. */
  digest: string | null;
}

/** access: a user or an API token (docs/access.md). */
export interface AccessPrincipalTable {
  id: Generated<number>;
  kind: 'user' | 'token';
  name: string;
  owner_id: number | null;
  /** A user's local password: scrypt, `scrypt$N$r$p$salt$hash` (base64url). */
  password_hash: string | null;
  oidc_subject: string | null;
  /** The public part of a token, by which it is found. */
  token_id: string | null;
  /** sha256 of the whole token. */
  token_hash: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  created_by: string;
  created_at: string;
}

/** access: a role a principal holds on a node of the tenant tree. */
export interface AccessGrantTable {
  principal_id: number;
  role: string;
  scope: string;
  granted_by: string;
  granted_at: string;
}

/** server: a POST's answer under its `Idempotency-Key`, per principal (status null: still running). */
export interface ApiIdempotencyTable {
  principal_id: number;
  key: string;
  request_hash: string;
  status: number | null;
  body: string | null;
  created_at: string;
}

/** api: a long piece of work run by `aare serve` (docs/api.md); JSON in text columns. */
export interface ApiJobTable {
  id: string;
  kind: string;
  /** The node of the tenant tree it acts on (`/r/<reseller>/c/<customer>`, `/r/<reseller>`, `/`). */
  scope: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  actor: string;
  request: string;
  result: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** The process that runs it (`host:pid:random`); null on jobs from before 0860. */
  worker: string | null;
  /** Until when its worker holds it: renewed while the job runs (ISO time). */
  locked_until: string | null;
}

/** api: a job's progress, numbered from 1 per job (the event stream's ids). */
export interface ApiJobEventTable {
  job_id: string;
  seq: number;
  type: string;
  data: string;
  at: string;
}

/** engine: one row per resource Aare created and recorded (JSON in text columns). */
export interface EngineResourceTable {
  address: string;
  kind: string;
  /** The customer the resource belongs to, or the reseller domain's `reseller:<name>`. */
  scope: string;
  endpoint: string;
  state: string;
  desired: string;
  depends_on: string;
  updated_at: string;
}

/** engine: a provider call in flight, written before the call and cleared after its result. */
export interface EngineIntentTable {
  address: string;
  kind: string;
  scope: string;
  endpoint: string;
  action: string;
  desired: string;
  depends_on: string;
  apply_id: string;
  started_at: string;
}

/** engine: moves on every recorded change of a scope, so a stored plan can tell it is stale. */
export interface EngineSerialTable {
  scope: string;
  serial: number;
}

/** engine: the apply lock; a holder whose pid is gone (same host) or heartbeat is stale is taken over. */
export interface EngineLockTable {
  name: string;
  owner: string;
  pid: number;
  host: string;
  acquired_at: string;
  heartbeat_at: string;
}

/** repo: one row per stored RPM (content-addressed), with its repodata fragments. */
export interface RepoArtifactTable {
  sha256: string;
  size: number;
  filename: string;
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  mtime: number;
  stored_at: string;
  primary_xml: string;
  filelists_xml: string;
  other_xml: string;
}
/** repo: a repository; `customer` is '' for the provider's shared repositories. */
export interface RepoRepositoryTable {
  id: Generated<number>;
  name: string;
  customer: string;
  created_at: string;
}
export interface RepoVersionTable {
  id: Generated<number>;
  repository_id: number;
  number: number;
  created_at: string;
}
export interface RepoVersionContentTable {
  version_id: number;
  sha256: string;
}
/** repo: repodata written once for a set of repository versions (`sources_key` names the set). */
export interface RepoPublicationTable {
  id: Generated<number>;
  sources_key: string;
  revision: number;
  created_at: string;
}
export interface RepoPublicationSourceTable {
  publication_id: number;
  version_id: number;
}
export interface RepoSnapshotTable {
  id: Generated<number>;
  name: string;
  created_at: string;
}
export interface RepoSnapshotVersionTable {
  snapshot_id: number;
  version_id: number;
}
/** repo: a stable path (`customer/environment`) pointing at one publication. */
export interface RepoDistributionTable {
  base_path: string;
  customer: string;
  environment: string;
  publication_id: number;
  snapshot: string | null;
  updated_at: string;
}
/** repo: an upstream dnf/yum repository mirrored into the shared repository of the same name. */
export interface RepoRemoteTable {
  name: string;
  url: string;
  policy: 'immediate' | 'on_demand';
  /** The upstream's public key (armored), fetched once when the remote was added. */
  gpg_key: string;
  created_at: string;
  /** sha256 of the upstream repomd.xml of the last complete sync. */
  last_repomd_sha256: string | null;
  last_synced_at: string | null;
}
/** packaging: which git tag (commit, tree) was built into which artifact. */
export interface PackageBuildTable {
  package: string;
  tag: string;
  commit_sha: string;
  tree_sha: string;
  sha256: string;
  filename: string;
  log_path: string;
  built_at: string;
}
/** server: a portal session, found by the sha256 of its cookie (docs/portal.md). */
export interface WebSessionTable {
  id_hash: string;
  principal_id: number;
  csrf_token: string;
  /** `password` or `oidc`. */
  login: string;
  created_at: string;
  expires_at: string;
}
/** server: an OpenID Connect login between the redirect to the provider and its callback. */
export interface WebLoginTable {
  id_hash: string;
  state: string;
  nonce: string;
  code_verifier: string;
  expires_at: string;
}

export interface Database {
  repo_artifacts: RepoArtifactTable;
  repo_repositories: RepoRepositoryTable;
  repo_versions: RepoVersionTable;
  repo_version_content: RepoVersionContentTable;
  repo_publications: RepoPublicationTable;
  repo_publication_sources: RepoPublicationSourceTable;
  repo_snapshots: RepoSnapshotTable;
  repo_snapshot_versions: RepoSnapshotVersionTable;
  repo_distributions: RepoDistributionTable;
  repo_remotes: RepoRemoteTable;
  package_builds: PackageBuildTable;
  kv: KvTable;
  audit_log: AuditTable;
  releases: ReleaseTable;
  release_freeze_claims: ReleaseFreezeClaimTable;
  release_decisions: ReleaseDecisionTable;
  release_deployments: ReleaseDeploymentTable;
  engine_resources: EngineResourceTable;
  access_principals: AccessPrincipalTable;
  access_grants: AccessGrantTable;
  api_idempotency: ApiIdempotencyTable;
  api_jobs: ApiJobTable;
  api_job_events: ApiJobEventTable;
  engine_intents: EngineIntentTable;
  engine_serials: EngineSerialTable;
  engine_locks: EngineLockTable;
  web_sessions: WebSessionTable;
  web_logins: WebLoginTable;
}
