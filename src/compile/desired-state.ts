// desired.json: what a VM needs from the cloud and the surrounding systems, derived from its
// profiles and never from hand-kept lists. The engine turns it into resources; its format is
// documented in docs/desired-state.md (keep the two in step, and bump `format` on a breaking
// change).

/** The version of the desired.json format. */
export const DESIRED_FORMAT = 1;

export interface DesiredState {
  format: typeof DESIRED_FORMAT;
  /** Aare address `customer/environment/vm`. */
  address: string;
  vm: {
    name: string;
    hostname: string;
    fqdn: string;
    reseller: string;
    customer: string;
    environment: string;
    role: string;
    profiles: string[];
  };
  server: {
    /** Nova server name: the FQDN, unique across the cloud. */
    name: string;
    flavor: string;
    image: string;
    /** Network the server's port is on (`network.name`). */
    network: string;
    /** File beside desired.json holding the cloud-init user-data. */
    userData: 'user-data';
    /** sha256 of the user-data, hex: a change means the server must be rebuilt to apply it. */
    userDataSha256: string;
  };
  /** The customer environment's network: one per (customer, environment). */
  network: { name: string; customer: string; environment: string; cidr: string };
  /** Ingress rules of the VM's security group; egress is open. Sorted, without duplicates. */
  securityGroupRules: SecurityGroupRule[];
  /** A records to the server's address. The first is the FQDN. */
  dnsNames: DnsName[];
  /** Absent when no profile of the VM has backup paths. */
  backup?: BackupJob;
  /** Log files shipped to the central log service. */
  logs: LogFile[];
  mail: { relay: boolean; profiles: string[] };
}

export interface SecurityGroupRule {
  direction: 'ingress';
  protocol: 'tcp' | 'udp';
  port: number;
  /** Source network as CIDR; `0.0.0.0/0` for a port open to any. */
  remoteCidr: string;
  /** The profiles that asked for this rule. */
  profiles: string[];
}

export interface DnsName {
  /** Absolute name without the trailing dot. */
  name: string;
  type: 'A';
  /** `fqdn` for the VM's own name, else the profile that declared it. */
  from: string;
}

export interface BackupJob {
  /** Sorted, without duplicates: every profile's backup paths and the backup profile's extra_paths. */
  paths: string[];
  /** Daily start time, HH:MM in the provider's maintenance time zone. */
  schedule: string;
  /** Snapshots are kept this many days (restic `forget --keep-within <n>d`). */
  retentionDays: number;
  /** The parameters that gave schedule and retention (`<puppet class>::<parameter>`), or `default`. */
  from: { schedule: string; retentionDays: string };
}

export interface LogFile {
  path: string;
  /** Program name the lines are tagged with: the file's base name without extension. */
  tag: string;
  profiles: string[];
}

/** What one profile of the VM asks for. */
export interface ProfileNeeds {
  name: string;
  firewall: { port: number; protocol: 'tcp' | 'udp'; from: string }[];
  backupPaths: string[];
  logs: string[];
  dnsNames: string[];
  sendsMail: boolean;
}

export interface DesiredInput {
  address: string;
  vm: DesiredState['vm'];
  flavor: string;
  image: string;
  dnsDomain: string;
  network: { cidr: string };
  profiles: ProfileNeeds[];
  backupSettings: { schedule: string; retentionDays: number; extraPaths: string[]; from: BackupJob['from'] };
  userDataSha256: string;
}

export function buildDesired(input: DesiredInput): DesiredState {
  const { vm } = input;
  const networkName = `${vm.customer}-${vm.environment}`;
  const zone = `${vm.environment}.${vm.customer}.${input.dnsDomain}`;

  const rules = new Map<string, SecurityGroupRule>();
  const dns = new Map<string, DnsName>([[vm.fqdn, { name: vm.fqdn, type: 'A', from: 'fqdn' }]]);
  const backupPaths = new Set<string>();
  const logs = new Map<string, LogFile>();
  const mailProfiles: string[] = [];

  for (const p of input.profiles) {
    for (const f of p.firewall) {
      const remoteCidr = f.from === 'any' ? '0.0.0.0/0' : f.from;
      const key = `${f.protocol}/${f.port}/${remoteCidr}`;
      const rule = rules.get(key);
      if (rule) {
        if (!rule.profiles.includes(p.name)) rule.profiles.push(p.name);
      } else {
        rules.set(key, {
          direction: 'ingress',
          protocol: f.protocol,
          port: f.port,
          remoteCidr,
          profiles: [p.name],
        });
      }
    }
    for (const n of p.dnsNames) {
      const name = `${n}.${zone}`;
      if (!dns.has(name)) dns.set(name, { name, type: 'A', from: p.name });
    }
    for (const path of p.backupPaths) backupPaths.add(path);
    for (const path of p.logs) {
      const entry = logs.get(path);
      if (entry) entry.profiles.push(p.name);
      else logs.set(path, { path, tag: logTag(path), profiles: [p.name] });
    }
    if (p.sendsMail) mailProfiles.push(p.name);
  }

  const desired: DesiredState = {
    format: DESIRED_FORMAT,
    address: input.address,
    vm,
    server: {
      name: vm.fqdn,
      flavor: input.flavor,
      image: input.image,
      network: networkName,
      userData: 'user-data',
      userDataSha256: input.userDataSha256,
    },
    network: {
      name: networkName,
      customer: vm.customer,
      environment: vm.environment,
      cidr: input.network.cidr,
    },
    securityGroupRules: [...rules.values()].sort(compareRules),
    dnsNames: [...dns.values()],
    logs: [...logs.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    mail: { relay: mailProfiles.length > 0, profiles: mailProfiles },
  };
  if (backupPaths.size > 0) {
    for (const path of input.backupSettings.extraPaths) backupPaths.add(path);
    desired.backup = {
      paths: [...backupPaths].sort(),
      schedule: input.backupSettings.schedule,
      retentionDays: input.backupSettings.retentionDays,
      from: input.backupSettings.from,
    };
  }
  return desired;
}

function compareRules(a: SecurityGroupRule, b: SecurityGroupRule): number {
  if (a.port !== b.port) return a.port - b.port;
  if (a.protocol !== b.protocol) return a.protocol < b.protocol ? -1 : 1;
  return a.remoteCidr < b.remoteCidr ? -1 : a.remoteCidr > b.remoteCidr ? 1 : 0;
}

/** The program name a log file's lines are tagged with (LogFile.tag). */
export function logTag(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  return (dot > 0 ? base.slice(0, dot) : base) || 'log';
}
