// cloud-init user-data (#cloud-config) for a VM's first boot. Module keys follow cloud-init's
// own schema (checked in the tests with the real `cloud-init schema`): write_files with
// `defer: true` runs after packages are installed, so a file may belong to a package's user and
// the package does not overwrite it; runcmd runs last and enables the services.
import { emitYaml } from './yaml-emit.js';

export interface CloudUser {
  name: string;
  sshAuthorizedKeys: string[];
  groups?: string[];
  sudo?: string;
  shell?: string;
}

export interface CloudYumRepo {
  /** Repository id (the `[section]` of the .repo file). */
  id: string;
  name: string;
  baseurl: string;
  gpgkey: string;
}

export interface CloudFile {
  path: string;
  content: string;
  /** Octal mode as a string, e.g. `0640`. */
  mode?: string;
  /** `user` or `user:group`. */
  owner?: string;
}

export interface PuppetBootstrap {
  /** The Puppet server's host name (Puppet refuses `host:port` here). */
  server: string;
  /** Its port, when not Puppet's default 8140 (`serverport` in puppet.conf). */
  serverport?: number;
  certname: string;
  /** Puppet code environment the agent asks for (the ENC has the last word). */
  environment: string;
  /** Package that holds the agent on the VM's distribution. */
  packageName: string;
  /** csr_attributes.yaml `extension_requests`: short names (pp_role) or OIDs. */
  extensionRequests: Record<string, string>;
}

export interface CloudConfigInput {
  hostname: string;
  fqdn: string;
  users: CloudUser[];
  yumRepos: CloudYumRepo[];
  packages: string[];
  files: CloudFile[];
  services: string[];
  /**
   * Services restarted after the files are written: daemons the image already runs at first boot
   * (rsyslog, postfix) read their new configuration only on a restart.
   */
  restarts?: string[];
  puppet?: PuppetBootstrap;
}

/** The #cloud-config document as data, in a stable key order. */
export function buildCloudConfig(input: CloudConfigInput): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    hostname: input.hostname,
    fqdn: input.fqdn,
    prefer_fqdn_over_hostname: false,
    manage_etc_hosts: true,
  };
  if (input.users.length > 0) {
    doc.users = [
      'default',
      ...input.users.map((u) => ({
        name: u.name,
        groups: u.groups && u.groups.length > 0 ? u.groups.join(', ') : undefined,
        sudo: u.sudo,
        shell: u.shell ?? '/bin/bash',
        lock_passwd: true,
        ssh_authorized_keys: u.sshAuthorizedKeys,
      })),
    ];
  }
  if (input.yumRepos.length > 0) {
    const repos: Record<string, unknown> = {};
    for (const r of input.yumRepos) {
      repos[r.id] = {
        name: r.name,
        baseurl: r.baseurl,
        enabled: true,
        gpgcheck: true,
        repo_gpgcheck: true,
        gpgkey: r.gpgkey,
      };
    }
    doc.yum_repos = repos;
  }
  const packages = [...input.packages];
  if (input.puppet && !packages.includes(input.puppet.packageName)) packages.push(input.puppet.packageName);
  if (packages.length > 0) doc.packages = packages;
  if (input.files.length > 0) {
    doc.write_files = input.files.map((f) => ({
      path: f.path,
      content: f.content,
      owner: f.owner,
      permissions: f.mode ?? '0644',
      defer: true,
    }));
  }
  // systemd reads unit files written after boot only on a reload
  const unitsWritten = input.files.some((f) => f.path.startsWith('/etc/systemd/system/'));
  const runcmd = [
    ...(unitsWritten ? [['systemctl', 'daemon-reload']] : []),
    ...input.services.map((s) => ['systemctl', 'enable', '--now', s]),
    ...(input.restarts ?? []).map((s) => ['systemctl', 'restart', s]),
  ];
  if (runcmd.length > 0) doc.runcmd = runcmd;
  if (input.puppet) {
    const p = input.puppet;
    doc.puppet = {
      install: true,
      install_type: 'packages',
      package_name: p.packageName,
      conf: {
        agent: {
          server: p.server,
          // cloud-init sets puppet.conf options through Python's ConfigParser: text values
          ...(p.serverport !== undefined ? { serverport: String(p.serverport) } : {}),
          certname: p.certname,
          environment: p.environment,
        },
      },
      csr_attributes: { extension_requests: p.extensionRequests },
      exec: true,
      start_service: true,
    };
  }
  return doc;
}

// The users section is the same for every VM of a provider: written once per users array.
const usersText = new WeakMap<readonly CloudUser[], string>();

/** The user-data text: `#cloud-config` and the document in YAML. */
export function renderUserData(input: CloudConfigInput): string {
  const doc = buildCloudConfig(input);
  let text = '#cloud-config\n';
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'users') {
      let users = usersText.get(input.users);
      if (users === undefined) usersText.set(input.users, (users = emitYaml({ users: value })));
      text += users;
    } else {
      text += emitYaml({ [key]: value });
    }
  }
  return text;
}
