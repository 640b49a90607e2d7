import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { LineCounter, isMap, isScalar, parseDocument } from 'yaml';
import type { Node as YamlNode, YAMLMap } from 'yaml';
import { error } from '../../diag/index.js';
import type { Diagnostic, Result, SourceRange } from '../../diag/index.js';

export type EndpointInterface = 'public' | 'internal' | 'admin';

export interface PasswordAuth {
  type: 'password';
  username?: string;
  userId?: string;
  userDomainName?: string;
  userDomainId?: string;
  password: string;
  /** Scope: a project (by id, or name + domain), a domain, or none (unscoped). */
  projectId?: string;
  projectName?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  domainId?: string;
  domainName?: string;
}

export interface ApplicationCredentialAuth {
  type: 'application_credential';
  id?: string;
  /** With a name instead of an id, Keystone also needs the user. */
  name?: string;
  secret: string;
  username?: string;
  userId?: string;
  userDomainName?: string;
  userDomainId?: string;
}

export type CloudAuth = PasswordAuth | ApplicationCredentialAuth;

/** How TLS connections to the cloud are checked (clouds.yaml `cacert`, `verify`, `insecure`). */
export interface CloudTls {
  /**
   * `cacert`: the CA bundle that certificates are checked against instead of Node's own list (as
   * openstacksdk hands it to requests), with the file it came from.
   */
  ca?: { file: string; pem: string };
  /** `verify: false` or `insecure: true`: certificates are not checked at all. */
  verify: boolean;
}

/** One cloud, as clouds.yaml (with secure.yaml) or the OS_* variables describe it. */
export interface CloudConfig {
  /** The cloud's name in clouds.yaml, or `envvars` when it came from OS_* variables. */
  name: string;
  /** Keystone v3 URL, always ending in `/v3`. */
  authUrl: string;
  auth: CloudAuth;
  regionName?: string;
  interface: EndpointInterface;
  /** Absent: Node's CA list, certificates checked. */
  tls?: CloudTls;
  /** Where it came from: the clouds.yaml path (and the secure.yaml path after a `+`), or `environment`. */
  source: string;
}

const FILE_SUFFIXES = ['.yaml', '.yml', '.json'];

/**
 * Where openstacksdk looks for `clouds.yaml` (kind `clouds`) or `secure.yaml` (kind `secure`), first
 * existing file wins: OS_CLIENT_CONFIG_FILE (OS_CLIENT_SECURE_FILE) in front, then the current
 * directory, `~/.config/openstack` and `/etc/openstack`, each with `.yaml`, `.yml` and `.json`.
 */
export function configFileCandidates(
  kind: 'clouds' | 'secure',
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): string[] {
  const override = kind === 'clouds' ? env.OS_CLIENT_CONFIG_FILE : env.OS_CLIENT_SECURE_FILE;
  const home = env.HOME || homedir();
  const dirs = [cwd, join(home, '.config/openstack'), '/etc/openstack'];
  return [
    ...(override ? [resolve(cwd, override)] : []),
    ...dirs.flatMap((d) => FILE_SUFFIXES.map((s) => join(d, `${kind}${s}`))),
  ];
}

/** Where openstacksdk looks for clouds.yaml, first match wins. */
export function cloudsYamlCandidates(env: NodeJS.ProcessEnv, cwd = process.cwd()): string[] {
  return configFileCandidates('clouds', env, cwd);
}

/** A config file's text and path. */
export interface ConfigText {
  text: string;
  file: string;
}

/**
 * Finds the cloud to talk to, as the openstack CLI does: `cloud` (or OS_CLOUD) names an entry of
 * clouds.yaml, over which the same entry of secure.yaml (where passwords are kept apart) is
 * merged; without a name, the OS_* variables (OS_AUTH_URL, OS_USERNAME, ...) describe it, as they
 * do for the name `envvars` (OS_CLOUD_NAME). Mistakes come back as diagnostics with the file
 * position; the value is `undefined` then.
 */
export function loadCloudConfig(opts: {
  cloud?: string;
  env: NodeJS.ProcessEnv;
  cwd?: string;
}): Result<CloudConfig | undefined> {
  const env = opts.env;
  const cwd = opts.cwd ?? process.cwd();
  const name = opts.cloud ?? (env.OS_CLOUD || undefined);
  if (name === undefined) {
    if (env.OS_AUTH_URL) return fromEnvironment(env);
    return fail(
      'no OpenStack cloud chosen: set OS_CLOUD (and OS_CLIENT_CONFIG_FILE) or the OS_AUTH_URL variables; in the lab: eval "$(aare lab env)"',
    );
  }
  const clouds = firstReadable(configFileCandidates('clouds', env, cwd));
  const secure = firstReadable(configFileCandidates('secure', env, cwd));
  for (const r of [clouds, secure])
    if (r && 'failed' in r) return { value: undefined, diagnostics: [r.failed] };
  const cloudsText = clouds && 'text' in clouds ? clouds : undefined;
  const secureText = secure && 'text' in secure ? secure : undefined;
  if (cloudsText === undefined) {
    if (name === (env.OS_CLOUD_NAME || 'envvars') && env.OS_AUTH_URL) return fromEnvironment(env);
    const looked = configFileCandidates('clouds', env, cwd).filter((f) => f.endsWith('.yaml'));
    return fail(`cloud '${name}' requested but no clouds.yaml found (looked in ${looked.join(', ')})`);
  }
  return parseCloudsYaml(cloudsText.text, cloudsText.file, name, {
    cwd,
    ...(secureText ? { secure: secureText } : {}),
  });
}

/** The first candidate that exists, read; a file that exists but cannot be read is a diagnostic. */
function firstReadable(candidates: string[]): ConfigText | { failed: Diagnostic } | undefined {
  const file = candidates.find((f) => existsSync(f));
  if (file === undefined) return undefined;
  try {
    return { file, text: readFileSync(file, 'utf8') };
  } catch (err) {
    return {
      failed: error('OPENSTACK_CONFIG', `cannot read ${file}: ${(err as Error).message}`, {
        source: { file, start: { line: 1, col: 1 } },
      }),
    };
  }
}

/** One parsed config file and how to point into it. */
interface ConfigLayer {
  file: string;
  clouds: YAMLMap | undefined;
  at(node: YamlNode | null | undefined): SourceRange;
}

function parseLayer(text: string, file: string): Result<ConfigLayer | undefined> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const at = (node: YamlNode | null | undefined): SourceRange => {
    const offset = node?.range?.[0] ?? 0;
    const pos = lc.linePos(offset);
    return { file, start: { line: pos.line, col: pos.col, offset } };
  };
  if (doc.errors.length > 0) {
    const diagnostics = doc.errors.map((e) => {
      const offset = e.pos[0];
      const pos = lc.linePos(offset);
      return error('OPENSTACK_CONFIG', e.message.split('\n')[0] ?? e.message, {
        source: { file, start: { line: pos.line, col: pos.col, offset } },
      });
    });
    return { value: undefined, diagnostics };
  }
  const clouds = isMap(doc.contents) ? doc.contents.get('clouds', true) : undefined;
  if (clouds !== undefined && !isMap(clouds)) {
    return fail(`${file}: 'clouds' must be a mapping of cloud names`, at(clouds as YamlNode));
  }
  if (clouds === undefined && !(doc.contents === null || isMap(doc.contents))) {
    return fail(`${file} must be a mapping with 'clouds'`, at(doc.contents));
  }
  return { value: { file, clouds, at }, diagnostics: [] };
}

/**
 * Parses clouds.yaml text (and secure.yaml's, merged over it entry by entry, as openstacksdk does)
 * and picks the cloud `name`. A relative `cacert` is read from `cwd`. Exported for tests.
 */
export function parseCloudsYaml(
  text: string,
  file: string,
  name: string,
  opts: { secure?: ConfigText; cwd?: string } = {},
): Result<CloudConfig | undefined> {
  const secure = opts.secure;
  const layers: ConfigLayer[] = [];
  const parseDiagnostics: Diagnostic[] = [];
  for (const t of [{ text, file }, ...(secure ? [secure] : [])]) {
    const r = parseLayer(t.text, t.file);
    parseDiagnostics.push(...r.diagnostics);
    if (r.value) layers.push(r.value);
  }
  if (parseDiagnostics.length > 0) return { value: undefined, diagnostics: parseDiagnostics };
  const base = layers[0]!;
  if (base.clouds === undefined) return fail(`${file} has no 'clouds' mapping`, base.at(null));
  const entries: { layer: ConfigLayer; node: YAMLMap }[] = [];
  for (const layer of layers) {
    const node = layer.clouds?.get(name, true) as YamlNode | undefined;
    if (node === undefined) continue;
    if (!isMap(node)) return fail(`cloud '${name}' must be a mapping`, layer.at(node));
    entries.push({ layer, node });
  }
  if (entries.length === 0) {
    const known = [
      ...new Set(
        layers.flatMap(
          (l) => l.clouds?.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '?')) ?? [],
        ),
      ),
    ].join(', ');
    const where = layers.map((l) => l.file).join(' or ');
    return fail(`cloud '${name}' is not in ${where} (it has: ${known || 'none'})`, base.at(base.clouds));
  }
  const raw = entries.reduce<Record<string, unknown>>(
    (merged, e) => mergeDeep(merged, e.node.toJSON() as Record<string, unknown>),
    {},
  );
  /** Where a key of the entry was set: the last file that sets it wins, as in the merge. */
  const at = (...path: string[]): SourceRange => {
    for (const e of [...entries].reverse()) {
      const node = e.node.getIn(path, true) as YamlNode | undefined;
      if (node !== undefined) return e.layer.at(node);
    }
    const first = entries[0]!;
    return first.layer.at(first.node);
  };
  const rawAuth = raw.auth;
  const auth = (rawAuth && typeof rawAuth === 'object' ? rawAuth : {}) as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const authType =
    str(raw.auth_type) ?? (str(auth.application_credential_secret) ? 'v3applicationcredential' : 'password');
  const diagnostics: Diagnostic[] = [];
  const authUrl = str(auth.auth_url);
  if (!authUrl)
    diagnostics.push(error('OPENSTACK_CONFIG', `cloud '${name}' has no auth.auth_url`, { source: at() }));
  const built = buildAuth(authType, (k) => str(auth[k]));
  if (typeof built === 'string') {
    const hint = secure ? '' : ' (none here, and no secure.yaml found)';
    const secretMissing = built.startsWith('password authentication needs a password');
    diagnostics.push(
      error('OPENSTACK_CONFIG', `cloud '${name}': ${built}${secretMissing ? hint : ''}`, {
        source: at('auth'),
      }),
    );
  }
  const iface = str(raw.interface) ?? str(raw.endpoint_type) ?? 'public';
  if (!isInterface(iface)) {
    diagnostics.push(
      error(
        'OPENSTACK_CONFIG',
        `cloud '${name}': interface must be public, internal or admin, got '${iface}'`,
        { source: at('interface') },
      ),
    );
  }
  const tls = readTls(
    `cloud '${name}': `,
    (key) => raw[key],
    (key) => ({ source: at(key) }),
    opts.cwd ?? process.cwd(),
    diagnostics,
  );
  if (diagnostics.length > 0 || !authUrl || typeof built === 'string' || !isInterface(iface)) {
    return { value: undefined, diagnostics };
  }
  const region = str(raw.region_name) ?? (Array.isArray(raw.regions) ? str(raw.regions[0]) : undefined);
  return {
    value: {
      name,
      authUrl: v3Url(authUrl),
      auth: built,
      interface: iface,
      source: layers.map((l) => l.file).join('+'),
      ...(region ? { regionName: region } : {}),
      ...(tls ? { tls } : {}),
    },
    diagnostics: [],
  };
}

/**
 * `cacert`, `verify` and the older `insecure`, as openstacksdk reads them: `verify: false` (or
 * `insecure: true`) turns checking off and `cacert` is then unused; otherwise `cacert` is the
 * bundle certificates are checked against.
 */
function readTls(
  what: string,
  get: (key: 'verify' | 'insecure' | 'cacert') => unknown,
  where: (key: string) => { source: SourceRange } | { field: string },
  cwd: string,
  diagnostics: Diagnostic[],
): CloudTls | undefined {
  const flag = (key: 'verify' | 'insecure'): boolean | undefined => {
    const v = get(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
    diagnostics.push(
      error('OPENSTACK_CONFIG', `${what}${key} must be true or false, got '${String(v)}'`, {
        ...where(key),
      }),
    );
    return undefined;
  };
  const verifyFlag = flag('verify');
  const insecure = flag('insecure');
  const verify = verifyFlag ?? (insecure === undefined ? true : !insecure);
  const cacert = get('cacert');
  if (cacert === undefined || cacert === null || cacert === '') return verify ? undefined : { verify };
  if (typeof cacert !== 'string') {
    diagnostics.push(
      error('OPENSTACK_CONFIG', `${what}cacert must be the path of a PEM file`, {
        ...where('cacert'),
      }),
    );
    return undefined;
  }
  if (!verify) return { verify };
  const file = resolve(cwd, cacert.startsWith('~/') ? join(homedir(), cacert.slice(2)) : cacert);
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    diagnostics.push(
      error('OPENSTACK_CONFIG', `${what}cacert ${cacert} cannot be read: ${(err as Error).message}`, {
        ...where('cacert'),
      }),
    );
    return undefined;
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    diagnostics.push(
      error('OPENSTACK_CONFIG', `${what}cacert ${cacert} holds no PEM certificate`, {
        ...where('cacert'),
      }),
    );
    return undefined;
  }
  return { ca: { file, pem }, verify };
}

/** Mappings merged key by key, anything else replaced: how secure.yaml lays over clouds.yaml. */
function mergeDeep(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isRecord(prev) && isRecord(v) ? mergeDeep(prev, v) : v;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fromEnvironment(env: NodeJS.ProcessEnv): Result<CloudConfig | undefined> {
  const get = (k: string): string | undefined => env[`OS_${k.toUpperCase()}`] || undefined;
  const authType =
    get('auth_type') ?? (get('application_credential_secret') ? 'v3applicationcredential' : 'password');
  const built = buildAuth(authType, get);
  if (typeof built === 'string') return fail(`OS_* variables: ${built}`);
  const iface = get('interface') ?? get('endpoint_type') ?? 'public';
  if (!isInterface(iface)) return fail(`OS_INTERFACE must be public, internal or admin, got '${iface}'`);
  const region = get('region_name');
  const diagnostics: Diagnostic[] = [];
  const tls = readTls(
    'OS_* variables: ',
    (key) => get(key),
    (key) => ({ field: `OS_${key.toUpperCase()}` }),
    process.cwd(),
    diagnostics,
  );
  if (diagnostics.length > 0) return { value: undefined, diagnostics };
  return {
    value: {
      name: env.OS_CLOUD_NAME || 'envvars',
      authUrl: v3Url(env.OS_AUTH_URL ?? ''),
      auth: built,
      interface: iface,
      source: 'environment',
      ...(region ? { regionName: region } : {}),
      ...(tls ? { tls } : {}),
    },
    diagnostics: [],
  };
}

/** Builds the auth method from clouds.yaml `auth:` keys (snake_case); a string is a complaint. */
function buildAuth(authType: string, get: (key: string) => string | undefined): CloudAuth | string {
  const user = {
    ...opt('username', get('username')),
    ...opt('userId', get('user_id')),
    ...opt('userDomainName', get('user_domain_name') ?? get('domain_name')),
    ...opt('userDomainId', get('user_domain_id') ?? get('domain_id')),
  };
  switch (authType) {
    case 'password':
    case 'v3password': {
      const password = get('password');
      if (!password) return 'password authentication needs a password';
      if (!user.username && !user.userId) return 'password authentication needs username or user_id';
      if (user.username && !user.userDomainName && !user.userDomainId) {
        user.userDomainId = 'default';
      }
      const projectName = get('project_name') ?? get('tenant_name');
      const projectId = get('project_id') ?? get('tenant_id');
      const projectDomain =
        get('project_domain_name') || get('project_domain_id')
          ? {
              ...opt('projectDomainName', get('project_domain_name')),
              ...opt('projectDomainId', get('project_domain_id')),
            }
          : projectName
            ? { projectDomainId: 'default' }
            : {};
      return {
        type: 'password',
        password,
        ...user,
        ...opt('projectName', projectName),
        ...opt('projectId', projectId),
        ...projectDomain,
        ...(projectName || projectId
          ? {}
          : { ...opt('domainName', get('domain_name')), ...opt('domainId', get('domain_id')) }),
      };
    }
    case 'v3applicationcredential':
    case 'application_credential': {
      const secret = get('application_credential_secret');
      const id = get('application_credential_id');
      const name = get('application_credential_name');
      if (!secret) return 'application credential authentication needs application_credential_secret';
      if (!id && !name)
        return 'application credential authentication needs application_credential_id or _name';
      if (!id && !user.username && !user.userId)
        return 'an application credential given by name also needs username or user_id';
      return {
        type: 'application_credential',
        secret,
        ...opt('id', id),
        ...opt('name', name),
        ...(id ? {} : user),
      };
    }
    default:
      return `auth_type '${authType}' is not supported (password, v3applicationcredential)`;
  }
}

function opt<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

function isInterface(s: string): s is EndpointInterface {
  return s === 'public' || s === 'internal' || s === 'admin';
}

/** `http://h:5000`, `http://h:5000/`, `http://h:5000/v3/` all mean `http://h:5000/v3`. */
export function v3Url(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/v3$/.test(trimmed) ? trimmed : `${trimmed}/v3`;
}

function fail(summary: string, source?: SourceRange): Result<undefined> {
  return { value: undefined, diagnostics: [error('OPENSTACK_CONFIG', summary, source ? { source } : {})] };
}
