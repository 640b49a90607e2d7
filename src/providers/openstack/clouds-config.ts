import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LineCounter, isMap, isScalar, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { error, warning } from '../../diag/index.js';
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

/** One cloud, as clouds.yaml or the OS_* variables describe it. */
export interface CloudConfig {
  /** The cloud's name in clouds.yaml, or `envvars` when it came from OS_* variables. */
  name: string;
  /** Keystone v3 URL, always ending in `/v3`. */
  authUrl: string;
  auth: CloudAuth;
  regionName?: string;
  interface: EndpointInterface;
  /** Where it came from: the clouds.yaml path, or `environment`. */
  source: string;
}

/** Where openstacksdk looks for clouds.yaml, first match wins. */
export function cloudsYamlCandidates(env: NodeJS.ProcessEnv, cwd = process.cwd()): string[] {
  if (env.OS_CLIENT_CONFIG_FILE) return [env.OS_CLIENT_CONFIG_FILE];
  return [
    join(cwd, 'clouds.yaml'),
    join(homedir(), '.config/openstack/clouds.yaml'),
    '/etc/openstack/clouds.yaml',
  ];
}

/**
 * Finds the cloud to talk to, as the openstack CLI does: `cloud` (or OS_CLOUD) names an entry of
 * clouds.yaml (OS_CLIENT_CONFIG_FILE or the standard places); without a name, the OS_* variables
 * (OS_AUTH_URL, OS_USERNAME, ...) describe it. Mistakes come back as diagnostics with the file
 * position; the value is `undefined` then.
 */
export function loadCloudConfig(opts: {
  cloud?: string;
  env: NodeJS.ProcessEnv;
  cwd?: string;
}): Result<CloudConfig | undefined> {
  const env = opts.env;
  const name = opts.cloud ?? (env.OS_CLOUD || undefined);
  if (name === undefined) {
    if (env.OS_AUTH_URL) return fromEnvironment(env);
    return fail(
      'no OpenStack cloud chosen: set OS_CLOUD (and OS_CLIENT_CONFIG_FILE) or the OS_AUTH_URL variables; in the lab: eval "$(aare lab env)"',
    );
  }
  const candidates = cloudsYamlCandidates(env, opts.cwd);
  const file = candidates.find((f) => existsSync(f));
  if (file === undefined) {
    return fail(`cloud '${name}' requested but no clouds.yaml found (looked in ${candidates.join(', ')})`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return fail(`cannot read ${file}: ${(err as Error).message}`, { file, start: { line: 1, col: 1 } });
  }
  return parseCloudsYaml(text, file, name, env);
}

/** Parses clouds.yaml text and picks the cloud `name`. Exported for tests. */
export function parseCloudsYaml(
  text: string,
  file: string,
  name: string,
  env: NodeJS.ProcessEnv,
): Result<CloudConfig | undefined> {
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
  if (!isMap(clouds)) return fail(`${file} has no 'clouds' mapping`, at(doc.contents));
  const cloud = clouds.get(name, true);
  if (!isMap(cloud)) {
    const known = clouds.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '?')).join(', ');
    return fail(`cloud '${name}' is not in ${file} (it has: ${known || 'none'})`, at(clouds));
  }
  const raw = cloud.toJSON() as Record<string, unknown>;
  const authNode = cloud.get('auth', true);
  const auth = (isMap(authNode) ? authNode.toJSON() : {}) as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const authType =
    str(raw.auth_type) ?? (str(auth.application_credential_secret) ? 'v3applicationcredential' : 'password');
  const diagnostics: Diagnostic[] = [];
  const authUrl = str(auth.auth_url);
  if (!authUrl)
    diagnostics.push(
      error('OPENSTACK_CONFIG', `cloud '${name}' has no auth.auth_url`, { source: at(cloud) }),
    );
  const built = buildAuth(authType, (k) => str(auth[k]));
  if (typeof built === 'string')
    diagnostics.push(
      error('OPENSTACK_CONFIG', `cloud '${name}': ${built}`, { source: at(authNode ?? cloud) }),
    );
  const iface = str(raw.interface) ?? str(raw.endpoint_type) ?? 'public';
  if (!isInterface(iface)) {
    diagnostics.push(
      error(
        'OPENSTACK_CONFIG',
        `cloud '${name}': interface must be public, internal or admin, got '${iface}'`,
        { source: at(cloud.get('interface', true) as YamlNode) },
      ),
    );
  }
  if (diagnostics.length > 0 || !authUrl || typeof built === 'string' || !isInterface(iface)) {
    return { value: undefined, diagnostics };
  }
  const region = str(raw.region_name) ?? (Array.isArray(raw.regions) ? str(raw.regions[0]) : undefined);
  // TLS: Node trusts its own CA list; a private CA comes in through NODE_EXTRA_CA_CERTS
  const tls: Diagnostic[] = [];
  const cacert = str(raw.cacert);
  if (cacert && env.NODE_EXTRA_CA_CERTS !== cacert) {
    tls.push(
      warning(
        'OPENSTACK_CONFIG',
        `cloud '${name}': cacert is not read by Aare; start it with NODE_EXTRA_CA_CERTS=${cacert}`,
        {
          source: at(cloud.get('cacert', true) as YamlNode),
        },
      ),
    );
  }
  if (raw.verify === false) {
    tls.push(
      warning(
        'OPENSTACK_CONFIG',
        `cloud '${name}': verify: false is not supported; certificates are always checked`,
        {
          source: at(cloud.get('verify', true) as YamlNode),
        },
      ),
    );
  }
  return {
    value: {
      name,
      authUrl: v3Url(authUrl),
      auth: built,
      interface: iface,
      source: file,
      ...(region ? { regionName: region } : {}),
    },
    diagnostics: tls,
  };
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
  return {
    value: {
      name: 'envvars',
      authUrl: v3Url(env.OS_AUTH_URL ?? ''),
      auth: built,
      interface: iface,
      source: 'environment',
      ...(region ? { regionName: region } : {}),
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
