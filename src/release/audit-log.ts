// The audit log (docs/maintenance.md): append-only, one row per action, hash-chained. Each entry's
// hash covers its id, content and the previous entry's hash, and the head (last id and hash) is
// kept in kv as well, so an entry edited, deleted (also the last one) or inserted behind Aare's
// back breaks `aare audit verify`. It does not stop someone who rewrites the whole chain and the
// head; that needs the head kept outside the database (docs/maintenance.md says how).
import { createHash } from 'node:crypto';
import { error } from '../diag/index.js';
import type { Diagnostic } from '../diag/index.js';
import { sql } from '../store/index.js';
import type { Store } from '../store/index.js';

export type AuditResult = 'ok' | 'refused' | 'failed';

/** What a caller records. */
export interface AuditInput {
  /** The OS user, later the API principal. */
  actor: string;
  /** From the one clock (AARE_NOW or the time). */
  at: Date;
  /** `apply`, `release.freeze`, ... */
  action: string;
  /** Tenant scope: `reseller/customer`, `reseller`, or '' for provider-wide. */
  scope: string;
  customer?: string;
  detail: Record<string, unknown>;
  result: AuditResult;
}

/** An entry as stored and listed. */
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  scope: string;
  customer?: string;
  detail: Record<string, unknown>;
  result: string;
  hash: string;
}

type Trx = Parameters<Parameters<Store['transaction']>[0]>[0];

/** PostgreSQL advisory lock key of the audit log: ('aare', 2). */
const PG_LOCK = [0x61617265, 2] as const;
const HEAD = { scope: 'audit', key: 'head' } as const;

/** An audit_log row as read, before its hash columns. */
interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  scope: string;
  customer: string | null;
  detail: string;
  result: string;
}

/** The hash of one entry: sha256 over a fixed-order JSON array of its fields and the previous hash. */
export function entryHash(e: AuditRow & { prev_hash: string }): string {
  const content = [e.id, e.at, e.actor, e.action, e.scope, e.customer, e.detail, e.result, e.prev_hash];
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

/**
 * Appends one entry. Writers in any number of processes take turns (an advisory lock on
 * PostgreSQL, SQLite's one write lock), and the unique prev_hash refuses a second entry after the
 * same one should they not. The entry and the head land in one transaction, or neither.
 */
export async function appendAudit(store: Store, input: AuditInput): Promise<AuditEntry> {
  return store.transaction(async (trx) => {
    await takeAuditLock(store, trx);
    const last = await trx
      .selectFrom('audit_log')
      .select(['id', 'hash'])
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const prev = last?.hash ?? '';
    const row = {
      at: input.at.toISOString(),
      actor: input.actor,
      action: input.action,
      scope: input.scope,
      customer: input.customer ?? null,
      detail: JSON.stringify(input.detail),
      result: input.result,
      prev_hash: prev,
    };
    // the id is part of the hash: insert, then set the hash in the same transaction
    const { id } = await trx
      .insertInto('audit_log')
      .values({ ...row, hash: '' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const hash = entryHash({ id, ...row });
    await trx.updateTable('audit_log').set({ hash }).where('id', '=', id).execute();
    const head = JSON.stringify({ id, hash });
    await trx
      .insertInto('kv')
      .values({ ...HEAD, value: head, updated_at: row.at })
      .onConflict((oc) => oc.columns(['scope', 'key']).doUpdateSet({ value: head, updated_at: row.at }))
      .execute();
    return toEntry({ id, ...row, hash });
  });
}

async function takeAuditLock(store: Store, trx: Trx): Promise<void> {
  if (store.dialect === 'postgres') {
    await sql`select pg_advisory_xact_lock(${PG_LOCK[0]}, ${PG_LOCK[1]})`.execute(trx);
    return;
  }
  // SQLite: a write as the first statement takes the database's write lock for the transaction
  await trx
    .insertInto('kv')
    .values({ scope: 'audit', key: 'lock', value: '', updated_at: '' })
    .onConflict((oc) => oc.columns(['scope', 'key']).doUpdateSet({ value: '' }))
    .execute();
}

function toEntry(r: AuditRow & { hash: string }): AuditEntry {
  return {
    id: r.id,
    at: r.at,
    actor: r.actor,
    action: r.action,
    scope: r.scope,
    ...(r.customer !== null ? { customer: r.customer } : {}),
    detail: parseDetail(r.detail),
    result: r.result,
    hash: r.hash,
  };
}

function parseDetail(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : { value: v };
  } catch {
    // an entry edited into something that is not JSON: show it as it is (verify reports it)
    return { text };
  }
}

/** Entries oldest first, optionally of one customer and from an instant on. */
export async function listAudit(
  store: Store,
  filter: { customer?: string; since?: Date } = {},
): Promise<AuditEntry[]> {
  let q = store.db.selectFrom('audit_log').selectAll().orderBy('id');
  if (filter.customer !== undefined) q = q.where('customer', '=', filter.customer);
  if (filter.since !== undefined) q = q.where('at', '>=', filter.since.toISOString());
  return (await q.execute()).map(toEntry);
}

export interface AuditVerification {
  entries: number;
  /** One diagnostic per break found, naming the entry. */
  problems: Diagnostic[];
}

/** Walks the chain from the first entry: every hash, every link, and the head kept in kv. */
export async function verifyAudit(store: Store): Promise<AuditVerification> {
  const rows = await store.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
  const problems: Diagnostic[] = [];
  const tampered = (id: number | string, what: string) =>
    problems.push(error('AUDIT_TAMPERED', `audit entry ${id}: ${what}`, { field: `audit_log.${id}` }));
  let prev = '';
  for (const r of rows) {
    if (r.prev_hash !== prev)
      tampered(
        r.id,
        prev === ''
          ? 'the first entry has a predecessor: entries before it were deleted'
          : 'the entry before it was deleted or changed (the chain does not link)',
      );
    if (entryHash(r) !== r.hash) tampered(r.id, 'its content does not match its hash: it was changed');
    prev = r.hash;
  }
  const head = await store.db
    .selectFrom('kv')
    .select('value')
    .where('scope', '=', HEAD.scope)
    .where('key', '=', HEAD.key)
    .executeTakeFirst();
  const last = rows.at(-1);
  const recorded = head ? parseHead(head.value) : undefined;
  if (recorded && (!last || recorded.id !== last.id || recorded.hash !== last.hash))
    tampered(
      recorded.id,
      last && recorded.id > last.id
        ? 'the last entries were deleted'
        : 'the last entry does not match the recorded head',
    );
  if (!recorded && last) tampered(last.id, 'the recorded head of the log is missing');
  return { entries: rows.length, problems };
}

function parseHead(value: string): { id: number; hash: string } | undefined {
  try {
    const v = JSON.parse(value) as { id?: unknown; hash?: unknown };
    return typeof v.id === 'number' && typeof v.hash === 'string' ? { id: v.id, hash: v.hash } : undefined;
  } catch {
    return undefined;
  }
}
