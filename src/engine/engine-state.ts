import { nowIso, sql } from '../store/index.js';
import type { Store } from '../store/index.js';
import { serialKeyOf } from './plan-types.js';

/** A resource Aare created (or adopted) and recorded, as the last apply saw it. */
export interface ResourceRecord {
  address: string;
  kind: string;
  scope: string;
  endpoint: string;
  /** The driver's state (S), with the real id. */
  state: unknown;
  /** The desired shape it was last applied with (refs unresolved). */
  desired: unknown;
  dependsOn: string[];
  /** When an apply last wrote this record (ISO time); set when read, ignored when written. */
  updatedAt?: string;
}

export type IntentAction = 'create' | 'update' | 'delete';

/** A provider call that started and whose result is not recorded yet. */
export interface IntentRecord {
  address: string;
  kind: string;
  scope: string;
  endpoint: string;
  action: IntentAction;
  desired: unknown;
  dependsOn: string[];
  applyId: string;
  startedAt: string;
}

/**
 * The engine's journal over the store. Each method is one transaction, so a crash leaves either
 * the intent (call may have happened) or the result (call happened and is recorded), never half.
 */
export class EngineState {
  constructor(private readonly store: Store) {}

  async resources(): Promise<ResourceRecord[]> {
    const rows = await this.store.db.selectFrom('engine_resources').selectAll().orderBy('address').execute();
    return rows.map((r) => ({
      address: r.address,
      kind: r.kind,
      scope: r.scope,
      endpoint: r.endpoint,
      state: JSON.parse(r.state) as unknown,
      desired: JSON.parse(r.desired) as unknown,
      dependsOn: JSON.parse(r.depends_on) as string[],
      updatedAt: r.updated_at,
    }));
  }

  async intents(): Promise<IntentRecord[]> {
    const rows = await this.store.db.selectFrom('engine_intents').selectAll().orderBy('address').execute();
    return rows.map((r) => ({
      address: r.address,
      kind: r.kind,
      scope: r.scope,
      endpoint: r.endpoint,
      action: r.action as IntentAction,
      desired: JSON.parse(r.desired) as unknown,
      dependsOn: JSON.parse(r.depends_on) as string[],
      applyId: r.apply_id,
      startedAt: r.started_at,
    }));
  }

  /** Current serial of each key ('' for provider-wide, else the customer); 0 when never written. */
  async serials(): Promise<Record<string, number>> {
    const rows = await this.store.db.selectFrom('engine_serials').selectAll().execute();
    return Object.fromEntries(rows.map((r) => [r.scope, Number(r.serial)]));
  }

  /** Written before a provider call. */
  async writeIntent(intent: IntentRecord): Promise<void> {
    const row = {
      address: intent.address,
      kind: intent.kind,
      scope: intent.scope,
      endpoint: intent.endpoint,
      action: intent.action,
      desired: JSON.stringify(intent.desired ?? null),
      depends_on: JSON.stringify(intent.dependsOn),
      apply_id: intent.applyId,
      started_at: intent.startedAt,
    };
    await this.store.db
      .insertInto('engine_intents')
      .values(row)
      .onConflict((oc) => oc.column('address').doUpdateSet(row))
      .execute();
  }

  /**
   * Written after a provider call: the resource's new record (or its removal when `record` is
   * null) and the intent cleared, in one transaction. `bumpSerial` moves the scope's serial; a
   * recovery that only writes down what a plan already saw does not.
   */
  async recordResult(
    address: string,
    record: ResourceRecord | null,
    opts: { scope: string; bumpSerial: boolean },
  ): Promise<void> {
    await this.store.transaction(async (trx) => {
      if (record) {
        const row = {
          address: record.address,
          kind: record.kind,
          scope: record.scope,
          endpoint: record.endpoint,
          state: JSON.stringify(record.state ?? null),
          desired: JSON.stringify(record.desired ?? null),
          depends_on: JSON.stringify(record.dependsOn),
          updated_at: nowIso(),
        };
        await trx
          .insertInto('engine_resources')
          .values(row)
          .onConflict((oc) => oc.column('address').doUpdateSet(row))
          .execute();
      } else {
        await trx.deleteFrom('engine_resources').where('address', '=', address).execute();
      }
      await trx.deleteFrom('engine_intents').where('address', '=', address).execute();
      if (opts.bumpSerial) {
        await trx
          .insertInto('engine_serials')
          .values({ scope: serialKeyOf(opts.scope), serial: 1 })
          .onConflict((oc) =>
            oc.column('scope').doUpdateSet({ serial: sql<number>`engine_serials.serial + 1` }),
          )
          .execute();
      }
    });
  }

  /** Clears an intent whose call is known to have changed nothing (e.g. a refused delete). */
  async clearIntent(address: string): Promise<void> {
    await this.store.db.deleteFrom('engine_intents').where('address', '=', address).execute();
  }
}
