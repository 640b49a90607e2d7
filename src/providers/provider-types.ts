import type { Result } from '../diag/index.js';
import type { CompiledVm } from '../compile/index.js';
import type { DesiredResource, EngineDriver, PlanFilter } from '../engine/index.js';
import type { ControlRepo, Customer, Environment, Vm } from '../model/index.js';
import type { HttpTransport } from './http-transport.js';
import type { ProviderSecrets } from './provider-secrets.js';

/**
 * What every provider implements (OpenStack and PowerDNS now; backup, logging and mail later). The
 * composition root (src/app) holds the list of providers; adding one means adding its folder
 * here and one line there, nothing in the engine.
 */
export interface ResourceProvider<S = unknown> {
  /** e.g. `openstack`; its drivers' kinds start with `<name>.`. */
  name: string;
  /**
   * This provider's settings from the environment, read once per command by the composition
   * root; nothing below it reads the environment. Pure: it must not fail or do I/O.
   */
  settings(env: ProviderEnv): S;
  /**
   * Opens the provider for one command: its clients and drivers. Throws DiagnosticsError when its
   * configuration is broken (e.g. no clouds.yaml entry). Does no call to the real system yet.
   */
  open(input: ProviderOpenInput<S>): Promise<ProviderSession>;
}

/** The environment as the composition root read it, once. */
export type ProviderEnv = Readonly<Record<string, string | undefined>>;

export interface ProviderOpenInput<S> {
  /** The loaded, valid control repository. */
  controlRepo: ControlRepo;
  settings: S;
  /** A transport for HTTP calls (benches count requests, fault tests inject faults). */
  transport?: HttpTransport;
  /**
   * The secrets Aare generated (kept in the state store); asked for only by a call that needs
   * one, so opening a provider touches no state. Absent: a call that needs a secret fails.
   */
  secrets?: () => Promise<ProviderSecrets>;
  /**
   * `aare destroy --delete-backups`: a deleted backup repository loses its data. Without it,
   * deleting a repository only forgets it, and the backups stay on the server.
   */
  deleteBackups?: boolean;
  signal?: AbortSignal;
}

export interface ProviderSession {
  /** One driver per kind this provider manages. */
  drivers: readonly EngineDriver[];
  /** Concurrent calls per endpoint during refresh and apply (endpoints are the drivers'). */
  limits: Readonly<Record<string, number>>;
  /**
   * The resources this provider makes of what `request` covers. Lookups in the real system that
   * the mapping needs (e.g. image ids) happen here; a missing one is a diagnostic at the VM.
   */
  desired(request: DesiredRequest): Promise<Result<DesiredResource[]>>;
  close?(): Promise<void>;
}

/** What one plan covers, with the VMs compiled once for every provider. */
export interface DesiredRequest {
  filter: PlanFilter;
  /** Customers in the filter, each with its environments in the filter. */
  customers: readonly { customer: Customer; environments: readonly Environment[] }[];
  /** VMs in the filter that compiled (the others' diagnostics end the plan). */
  vms: readonly { vm: Vm; compiled: CompiledVm }[];
  /** The state the last apply recorded for an address (e.g. a port's fixed IP), if any. */
  recorded(address: string): unknown;
  signal?: AbortSignal;
}
