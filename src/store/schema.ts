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
}

export interface Database {
  kv: KvTable;
  audit_log: AuditTable;
}
