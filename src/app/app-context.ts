import { join } from 'node:path';
import { DiagnosticsError, error, hasErrors } from '../diag/index.js';
import type { Diagnostic, Result } from '../diag/index.js';
import type { CompiledVm } from '../compile/index.js';
import type { DesiredResource, EngineContext, EventSink, PlanFilter } from '../engine/index.js';
import { loadHiera } from '../hiera/index.js';
import type { Hiera } from '../hiera/index.js';
import { loadControlRepo } from '../model/index.js';
import type { ControlRepo, Vm } from '../model/index.js';
import type { PackagingContext } from '../packaging/index.js';
import type { DesiredRequest, HttpTransport, ProviderSecrets, ProviderSession } from '../providers/index.js';
import type { AuditEntry, AuditInput } from '../release/index.js';
import type { RepoService, SigningKey } from '../repo/index.js';
import type { Store } from '../store/index.js';
import { readAppConfig, STATE_FILE } from './app-config.js';
import type { AppConfig } from './app-config.js';

// The store, the repository service (openpgp), compile and the engine load on first use: a
// command that needs none of them (show, lookup --vm) starts without their code.
export interface AppContextOptions {
  /** The control repository (`-C`); default the current directory. */
  controlRepoDir?: string;
  /** Read once, here; default process.env. */
  env?: NodeJS.ProcessEnv;
  onEvent?: EventSink;
  signal?: AbortSignal;
  /** A transport for HTTP providers (benches count requests, fault tests inject faults). */
  transport?: HttpTransport;
  /** `aare destroy --delete-backups`: deleting a backup repository removes its data. */
  deleteBackups?: boolean;
}

/** What a context at another commit shares with the one it was opened from: the state, not the files. */
interface SharedState {
  stateDir: string;
  store: () => Promise<Store>;
  secrets: () => Promise<ProviderSecrets>;
  repoService: (o?: { signing?: boolean }) => Promise<RepoService>;
  signingKey: () => Promise<SigningKey>;
}

/**
 * What one command works with, opened once per command and closed at its end. Everything is
 * opened on first use and kept: a repository command never loads the control repository's model,
 * and a plan loads it, Hiera and the store exactly once. Nothing here prints.
 */
export interface AppContext {
  readonly config: AppConfig;
  /** The control repository as loaded, with every diagnostic (for validate and show). */
  loadControlRepo(): Result<ControlRepo>;
  /** The control repository; throws DiagnosticsError when it has errors. */
  controlRepo(): ControlRepo;
  /** The control repository's Hiera as loaded, with its diagnostics (for validate and compile). */
  loadHiera(): Result<Hiera>;
  /** The control repository's Hiera; throws DiagnosticsError when its hiera.yaml is broken. */
  hiera(): Hiera;
  /** The secrets Aare generates (backup passwords), from the master key in the store. */
  secrets(): Promise<ProviderSecrets>;
  /** The one store: `<stateDir>/state.db`, or PostgreSQL at AARE_DATABASE_URL. */
  store(): Promise<Store>;
  /** The engine's context: the store, every provider's drivers and limits, events, the signal. */
  engine(): Promise<EngineContext>;
  /** The desired resources of every provider for what `filter` covers, with the VMs compiled. */
  desired(filter: PlanFilter): Promise<Result<DesiredResource[]>>;
  /** The package repository service; `signing` loads the provider key (to publish and check uploads). */
  repoService(opts?: { signing?: boolean }): Promise<RepoService>;
  /** The provider's package signing key (aare.yaml `packageSigning.key`). */
  signingKey(): Promise<SigningKey>;
  /** What package builds need: the control repository's directory, state, store, service, key and sandbox setting. */
  packaging(): Promise<PackagingContext>;
  /** The base URL clients reach `aare serve` at. */
  repositoryBaseUrl(): Promise<string>;
  /** Appends to the audit log, as the command's actor at the command's clock (docs/maintenance.md). */
  audit(entry: Omit<AuditInput, 'actor' | 'at'>): Promise<AuditEntry>;
  /**
   * The control repository as it was at `commit` (read from git; ignored files such as keys come
   * from the working copy) over this context's state, store and provider settings: what a release
   * deploys. Closed with this context, or earlier by its own close().
   */
  atCommit(commit: string): Promise<AppContext>;
  close(): Promise<void>;
}

/** Reads the configuration; opens nothing yet. A bad variable throws DiagnosticsError. */
export function openAppContext(opts: AppContextOptions = {}): AppContext {
  return openContext(opts);
}

function openContext(opts: AppContextOptions, shared?: SharedState): AppContext {
  const read = readAppConfig({
    controlRepoDir: opts.controlRepoDir ?? '.',
    env: opts.env ?? process.env,
  });
  const config = shared ? { ...read, stateDir: shared.stateDir } : read;
  const once = <T>(f: () => T): (() => T) => {
    let cell: { value: T } | undefined;
    return () => (cell ??= { value: f() }).value;
  };
  const closers: (() => Promise<void>)[] = [];

  const loaded = once(() => loadControlRepo(config.controlRepoDir));
  const controlRepo = once(() => {
    const r = loaded();
    if (hasErrors(r.diagnostics)) throw new DiagnosticsError(r.diagnostics);
    return r.value;
  });
  const loadedHiera = once(() => loadHiera(loaded().value.hieraConfigFile));
  const hiera = once(() => {
    controlRepo();
    const r = loadedHiera();
    if (hasErrors(r.diagnostics)) throw new DiagnosticsError(r.diagnostics);
    return r.value;
  });
  const compileContext = once(async () => {
    const { createCompileContext } = await import('../compile/index.js');
    return createCompileContext(controlRepo(), hiera());
  });

  const ownStore = once(async () => {
    const { openStore } = await import('../store/index.js');
    if (!config.databaseUrl) {
      const { migrateLegacyState } = await import('./state-migration.js');
      await migrateLegacyState(config.stateDir);
    }
    const s = await openStore(
      config.databaseUrl
        ? { databaseUrl: config.databaseUrl }
        : { sqlitePath: join(config.stateDir, STATE_FILE) },
    );
    closers.push(() => s.close());
    return s;
  });
  const store = shared?.store ?? ownStore;

  const ownSecrets = once(async () => {
    const { loadGeneratedSecrets, masterKeyWrap } = await import('./generated-secrets.js');
    return loadGeneratedSecrets(await store(), masterKeyWrap(config.stateDir, config.env));
  });
  const secrets = shared?.secrets ?? ownSecrets;

  const sessions = once(async () => {
    const repo = controlRepo();
    const opened: ProviderSession[] = [];
    for (const p of config.providers) {
      const s = await p.open({
        controlRepo: repo,
        secrets: secrets,
        ...(opts.deleteBackups ? { deleteBackups: true } : {}),
        ...(opts.transport ? { transport: opts.transport } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      opened.push(s);
      if (s.close) closers.push(() => s.close!());
    }
    return opened;
  });

  const engine = once(async (): Promise<EngineContext> => {
    const opened = await sessions();
    return {
      store: await store(),
      drivers: new Map(opened.flatMap((s) => s.drivers.map((d) => [d.kind, d] as const))),
      limits: Object.assign({}, ...opened.map((s) => s.limits)) as Record<string, number>,
      ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
  });

  const ownSigningKey = once(async () =>
    (await import('./provider-key.js')).loadProviderKey(config, await store()),
  );
  const signingKey = shared?.signingKey ?? ownSigningKey;
  const repoServices = new Map<boolean, Promise<RepoService>>();
  const ownRepoService = (o: { signing?: boolean } = {}) => {
    const signing = o.signing === true;
    let r = repoServices.get(signing);
    if (!r) {
      r = (async () => {
        const key = signing ? await signingKey() : undefined;
        const { openRepoService } = await import('../repo/index.js');
        const { trustedKeys } = await import('./provider-key.js');
        const pulp = await (await import('./repo-backend.js')).pulpSettings(config);
        if (pulp) {
          const { openPulpRepoService } = await import('../repo/index.js');
          return openPulpRepoService({ ...pulp, trustedKeys: await trustedKeys(config.stateDir) });
        }
        return openRepoService({
          store: await store(),
          stateDir: config.stateDir,
          signingKey: key,
          trustedKeys: await trustedKeys(config.stateDir),
        });
      })();
      repoServices.set(signing, r);
    }
    return r;
  };
  const repoService = shared?.repoService ?? ownRepoService;
  const children: AppContext[] = [];

  return {
    config,
    loadControlRepo: loaded,
    controlRepo,
    loadHiera: loadedHiera,
    hiera,
    store,
    secrets,
    engine,
    async desired(filter) {
      const scope = scopeOf(controlRepo(), filter);
      if ('diagnostic' in scope) return { value: [], diagnostics: [scope.diagnostic] };
      const { compileVm } = await import('../compile/index.js');
      const { EngineState } = await import('../engine/index.js');
      const compileCtx = await compileContext();
      const diagnostics: Diagnostic[] = [];
      const vms: { vm: Vm; compiled: CompiledVm }[] = [];
      for (const vm of scope.vms) {
        const compiled = compileVm(compileCtx, vm);
        diagnostics.push(...compiled.diagnostics);
        if (compiled.value) vms.push({ vm, compiled: compiled.value });
      }
      const records = await new EngineState(await store()).resources();
      const recorded = new Map(records.map((r) => [r.address, r.state]));
      const value: DesiredResource[] = [];
      for (const s of await sessions()) {
        const r = await s.desired({
          filter,
          customers: scope.customers,
          vms,
          recorded: (address) => recorded.get(address),
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        diagnostics.push(...r.diagnostics);
        value.push(...r.value);
      }
      return { value: hasErrors(diagnostics) ? [] : value, diagnostics };
    },
    repoService,
    signingKey,
    async packaging() {
      return {
        controlRepoDir: config.controlRepoDir,
        stateDir: config.stateDir,
        store: await store(),
        repoService: await repoService({ signing: true }),
        signingKey: await signingKey(),
        buildSandbox: config.buildSandbox,
      };
    },
    repositoryBaseUrl: async () => (await import('./provider-key.js')).repositoryBaseUrl(config),
    async audit(entry) {
      const { appendAudit } = await import('../release/index.js');
      return appendAudit(await store(), { ...entry, actor: config.actor, at: config.now() });
    },
    async atCommit(commit) {
      const { checkoutCommit } = await import('../release/index.js');
      const tree = await checkoutCommit(config.controlRepoDir, commit);
      if (!tree.value || hasErrors(tree.diagnostics)) throw new DiagnosticsError(tree.diagnostics);
      const removeTree = tree.value.remove;
      const child = openContext(
        { ...opts, controlRepoDir: tree.value.dir, env: config.env },
        { stateDir: config.stateDir, store, secrets, repoService, signingKey },
      );
      const close = child.close;
      let closed = false;
      const wrapped: AppContext = {
        ...child,
        async close() {
          if (closed) return;
          closed = true;
          try {
            await close();
          } finally {
            removeTree();
          }
        },
      };
      children.push(wrapped);
      return wrapped;
    },
    async close() {
      for (const c of children.splice(0)) await c.close();
      // a half-opened service may still be settling; wait for it so close() releases everything
      await Promise.allSettled([...repoServices.values()]);
      for (const c of closers.splice(0).reverse()) await c();
    },
  };
}

/** The customers, environments and VMs a filter covers; an unknown customer or environment is a diagnostic. */
function scopeOf(
  controlRepo: ControlRepo,
  filter: PlanFilter,
): (Pick<DesiredRequest, 'customers'> & { vms: Vm[] }) | { diagnostic: Diagnostic } {
  const customer = filter.customer ? controlRepo.customers.get(filter.customer) : undefined;
  if (filter.customer && !customer) {
    return {
      diagnostic: error('NOT_FOUND', `no customer ${filter.customer} in the control repository`, {
        field: 'customer',
      }),
    };
  }
  if (customer && filter.env && !customer.environments.has(filter.env)) {
    const known = [...customer.environments.keys()].join(', ');
    return {
      diagnostic: error(
        'NOT_FOUND',
        `customer ${customer.name} has no environment ${filter.env} (it has ${known})`,
        { field: 'env' },
      ),
    };
  }
  const inScope = (c: string, e?: string) =>
    (!filter.customer || filter.customer === c) && (!filter.env || e === undefined || filter.env === e);
  return {
    customers: [...controlRepo.customers.values()]
      .filter((c) => inScope(c.name))
      .map((c) => ({
        customer: c,
        environments: [...c.environments.values()].filter((e) => inScope(c.name, e.name)),
      })),
    vms: controlRepo.vms.filter((v) => inScope(v.customer, v.environment)),
  };
}
