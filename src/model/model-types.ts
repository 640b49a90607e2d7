// The loaded control repository: what the files say, resolved and cross-checked. File formats
// are in control-repo-schema.ts; these types add names, positions and the flattened VM list.
import type { SourceRange } from '../diag/index.js';
import type { PType } from '../puppet-types/index.js';
import type {
  AareFile,
  CustomerFile,
  MaintenanceWindow,
  PackageFile,
  ResellerFile,
} from './control-repo-schema.js';

/** aare.yaml as written, with defaults applied. Secrets stay references (`env:VAR`, `file:path`). */
export type Provider = AareFile & { source: SourceRange };

export interface ControlRepo {
  /** Absolute path of the control repository. */
  root: string;
  provider: Provider;
  /** Absolute path of hiera.yaml. */
  hieraConfigFile: string;
  /** Standard and customer-specific profiles, by name. */
  profiles: Map<string, Profile>;
  roles: Map<string, Role>;
  resellers: Map<string, Reseller>;
  /** Customer names are unique across resellers. */
  customers: Map<string, Customer>;
  /** One per (customer, environment, VM), sorted by address. */
  vms: Vm[];
  packages: Map<string, PackageDef>;
  typeAliases: Map<string, PType>;
}

export interface ProfileParameter {
  type: PType;
  /** The type as written in the profile file. */
  typeText: string;
  default?: unknown;
  /** True when the profile gives no default: Hiera or the role must. */
  required: boolean;
  doc?: string;
  source: SourceRange;
}

export interface Profile {
  name: string;
  description: string;
  /** The Puppet class whose parameters these are; default `profile::<name>`. */
  puppetClass: string;
  parameters: Map<string, ProfileParameter>;
  packages: string[];
  services: string[];
  /** `template` is relative to `profiles/templates/`; `templateFile` is absolute. */
  files: {
    path: string;
    template: string;
    templateFile: string;
    mode?: string;
    owner?: string;
    group?: string;
  }[];
  firewall: { port: number; protocol: 'tcp' | 'udp'; from: string }[];
  backup: { paths: string[] };
  logs: string[];
  dnsNames: string[];
  sendsMail: boolean;
  /** Set for a customer's own profile. */
  customer?: string;
  source: SourceRange;
}

export interface Role {
  name: string;
  description: string;
  profiles: string[];
  /** Parameter defaults keyed `<puppet class>::<parameter>`; below Hiera, above profile defaults. */
  defaults: Record<string, unknown>;
  /** Set for a customer's own role (explicitly, or because it uses a customer's profile). */
  customer?: string;
  source: SourceRange;
}

export interface Reseller {
  name: string;
  displayName: string;
  contact: ResellerFile['contact'];
  customers: string[];
  source: SourceRange;
}

export interface Environment {
  name: string;
  network: { cidr: string };
  productionWindow?: MaintenanceWindow;
  source: SourceRange;
}

export interface Customer {
  name: string;
  reseller: string;
  displayName: string;
  contact: CustomerFile['contact'];
  environments: Map<string, Environment>;
  source: SourceRange;
}

export interface Vm {
  /** `customer/environment/vm` */
  address: string;
  name: string;
  reseller: string;
  customer: string;
  environment: string;
  role: string;
  /** The role's profiles, in the role's order. */
  profiles: string[];
  flavor: string;
  image: string;
  /** `<vm>.<environment>.<customer>.<provider dnsDomain>` */
  fqdn: string;
  facts: Record<string, unknown>;
  source: SourceRange;
}

export interface PackageDef {
  name: string;
  description?: string;
  customer?: string;
  /** `url` as written: a git URL, or a path relative to the control repository. */
  git: { url: string };
  /** Regular expression for release tags; its first group is the RPM version. */
  tagPattern: string;
  spec?: string;
  build?: PackageFile['build'];
  repositories: string[];
  source: SourceRange;
}
