// What the loader read from disk, before the checks build the model: one parsed, schema-checked
// file per entry, with its YAML kept for positions. Its own file so that the loader and the
// checks both depend on it and not on each other.
import type { Provider } from './model-types.js';
import type {
  CustomerFile,
  PackageFile,
  ProfileFile,
  ResellerFile,
  RoleFile,
} from './control-repo-schema.js';
import type { YamlFile } from './yaml-file.js';

/** A file that parsed and matched its schema, with the YAML kept for positions. */
export interface Loaded<T> {
  name: string;
  yaml: YamlFile;
  data: T;
}

/** Everything read from the control repository, before cross-file checks build the model. */
export interface ControlRepoFiles {
  root: string;
  provider?: Loaded<Provider>;
  profiles: Loaded<ProfileFile>[];
  roles: Loaded<RoleFile>[];
  resellers: Loaded<ResellerFile>[];
  customers: (Loaded<CustomerFile> & { reseller: string })[];
  packages: Loaded<PackageFile>[];
  /**
   * Names whose file exists but did not load (bad YAML or schema). References to them are not
   * reported again: the user sees the one real mistake, not its echoes.
   */
  broken: {
    profiles: Set<string>;
    roles: Set<string>;
    customers: Set<string>;
    resellers: Set<string>;
    /** `class::parameter` of parameters whose type did not parse. */
    parameters: Set<string>;
  };
}
