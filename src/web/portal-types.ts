// The shapes the portal reads from /api/v1 (the OpenAPI document's schemas, docs/api.md).
export interface Customer {
  name: string;
  reseller: string;
  displayName: string;
  environments: string[];
}
export interface Reseller {
  name: string;
  displayName?: string;
}
export interface Environment {
  name: string;
  customer: string;
  network: { cidr: string };
  productionWindow?: { start: string; duration: string };
}
export interface VmSummary {
  address: string;
  name: string;
  customer: string;
  environment: string;
  role: string;
  flavor: string;
  fqdn: string;
}
export interface Release {
  name: string;
  month: string;
  frozenAt: string;
  commit: string;
  snapshot: string;
  deployed: { customer: string; environment: string }[];
  decisions: { customer: string; decision: 'accepted' | 'rejected'; current: boolean }[];
}
export interface PackageRef {
  name: string;
  version: string;
  release: string;
  arch: string;
}
export interface ReleaseDiff {
  release: string;
  customer: string;
  environment: string;
  commit: { from?: string; to: string };
  repositories: {
    repository: string;
    added: PackageRef[];
    removed: PackageRef[];
    upgraded: { name: string; arch: string; from: string; to: string; downgrade: boolean }[];
  }[];
  parameters: {
    vm: string;
    status: 'added' | 'removed' | 'changed';
    parameters: {
      profile: string;
      name: string;
      from?: unknown;
      to?: unknown;
      origin?: string;
      sensitive?: true;
    }[];
  }[];
  parametersFrom: string;
  digest: string;
  acceptance?: {
    decision: 'accepted' | 'rejected';
    current: boolean;
    decidedBy: string;
    decidedAt: string;
    comment?: string;
  };
}
export interface WindowEntry {
  kind: 'freeze' | 'test' | 'production';
  customer?: string;
  environment?: string;
  start: string;
  end: string;
}
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  scope: string;
  customer?: string;
  result: string;
}
