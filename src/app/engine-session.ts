import { join } from 'node:path';
import { DiagnosticsError, error, hasErrors } from '../diag/index.js';
import type { Diagnostic, Result } from '../diag/index.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/index.js';
import { loadControlRepo } from '../model/index.js';
import type { ControlRepo } from '../model/index.js';
import { loadHiera } from '../hiera/index.js';
import { compileVm, createCompileContext } from '../compile/index.js';
import type { CompiledVm } from '../compile/index.js';
import { EngineState } from '../engine/index.js';
import type { DesiredResource, EngineContext, EventSink, PlanFilter } from '../engine/index.js';
import type { openstack, ProviderSession } from '../providers/index.js';
import { providers } from './provider-wiring.js';

/**
 * One engine run over a control repository: the model, the store (SQLite in `<repo>/.aare/` or
 * PostgreSQL at AARE_DATABASE_URL), every provider's drivers. It opens things and computes
 * desired resources, and prints nothing.
 */
export interface EngineSession {
  controlRepo: ControlRepo;
  store: Store;
  ctx: EngineContext;
  /** The desired resources of what `filter` covers, with the VMs compiled. */
  desired(filter: PlanFilter): Promise<Result<DesiredResource[]>>;
  close(): Promise<void>;
}

export interface SessionOptions {
  controlRepoDir: string;
  env?: NodeJS.ProcessEnv;
  onEvent?: EventSink;
  signal?: AbortSignal;
  /** A transport for HTTP providers (benches count requests, fault tests inject faults). */
  transport?: openstack.HttpTransport;
}

/** Opens a session; a broken control repository or cloud configuration throws DiagnosticsError. */
export async function openEngineSession(opts: SessionOptions): Promise<EngineSession> {
  const env = opts.env ?? process.env;
  const loaded = loadControlRepo(opts.controlRepoDir);
  if (hasErrors(loaded.diagnostics)) throw new DiagnosticsError(loaded.diagnostics);
  const controlRepo = loaded.value;
  const sessions: ProviderSession[] = [];
  for (const configure of providers) {
    sessions.push(
      await configure(env).open({
        controlRepo,
        ...(opts.transport ? { transport: opts.transport } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      }),
    );
  }
  const databaseUrl = env.AARE_DATABASE_URL;
  const store = await openStore(
    databaseUrl ? { databaseUrl } : { sqlitePath: join(controlRepo.root, '.aare', 'state.db') },
  );
  const ctx: EngineContext = {
    store,
    drivers: new Map(sessions.flatMap((s) => s.drivers.map((d) => [d.kind, d] as const))),
    limits: Object.assign({}, ...sessions.map((s) => s.limits)) as Record<string, number>,
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  return {
    controlRepo,
    store,
    ctx,
    desired: (filter) => desiredResources(controlRepo, sessions, store, filter, opts.signal),
    close: () => store.close(),
  };
}

async function desiredResources(
  controlRepo: ControlRepo,
  sessions: readonly ProviderSession[],
  store: Store,
  filter: PlanFilter,
  signal: AbortSignal | undefined,
): Promise<Result<DesiredResource[]>> {
  const customer = filter.customer ? controlRepo.customers.get(filter.customer) : undefined;
  if (filter.customer && !customer) {
    return {
      value: [],
      diagnostics: [
        error('NOT_FOUND', `no customer ${filter.customer} in the control repository`, { field: 'customer' }),
      ],
    };
  }
  if (customer && filter.env && !customer.environments.has(filter.env)) {
    const known = [...customer.environments.keys()].join(', ');
    return {
      value: [],
      diagnostics: [
        error('NOT_FOUND', `customer ${customer.name} has no environment ${filter.env} (it has ${known})`, {
          field: 'env',
        }),
      ],
    };
  }
  const inScope = (c: string, e?: string) =>
    (!filter.customer || filter.customer === c) && (!filter.env || e === undefined || filter.env === e);
  const diagnostics: Diagnostic[] = [];
  const hiera = loadHiera(controlRepo.hieraConfigFile);
  diagnostics.push(...hiera.diagnostics);
  if (hasErrors(hiera.diagnostics)) return { value: [], diagnostics };
  const compileCtx = createCompileContext(controlRepo, hiera.value);
  const vms: { vm: (typeof controlRepo.vms)[number]; compiled: CompiledVm }[] = [];
  for (const vm of controlRepo.vms.filter((v) => inScope(v.customer, v.environment))) {
    const compiled = compileVm(compileCtx, vm);
    diagnostics.push(...compiled.diagnostics);
    if (compiled.value) vms.push({ vm, compiled: compiled.value });
  }
  const customers = [...controlRepo.customers.values()]
    .filter((c) => inScope(c.name))
    .map((c) => ({
      customer: c,
      environments: [...c.environments.values()].filter((e) => inScope(c.name, e.name)),
    }));
  const recorded = new Map((await new EngineState(store).resources()).map((r) => [r.address, r.state]));
  const value: DesiredResource[] = [];
  for (const s of sessions) {
    const r = await s.desired({
      filter,
      customers,
      vms,
      recorded: (a) => recorded.get(a),
      ...(signal ? { signal } : {}),
    });
    diagnostics.push(...r.diagnostics);
    value.push(...r.value);
  }
  return { value: hasErrors(diagnostics) ? [] : value, diagnostics };
}
