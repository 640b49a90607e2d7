// aare.yaml, the provider: what its schema cannot check (DNS labels, flavor and image names,
// users, time zone, shared repositories) and its Puppet type aliases, which every other file's
// types refer to.
import type { PType } from '../puppet-types/index.js';
import type { Findings } from './check-findings.js';
import type { ControlRepo, Provider } from './model-types.js';
import { checkMaintenance } from './maintenance-checks.js';
import { dnsLabelProblem } from './name-rules.js';
import { checkAliasRefs, parseTypeAt } from './puppet-type-checks.js';
import { keyRange, pos1, valueRange } from './yaml-file.js';
import type { YamlFile } from './yaml-file.js';

/**
 * Stands in for an aare.yaml that did not load, so that code reading a partial model finds
 * empty lists rather than undefined. Its diagnostics already say what is wrong.
 */
export function emptyProvider(): Provider {
  const none = '';
  return {
    name: none,
    dnsDomain: none,
    endpoints: {
      openstack: { cloud: none },
      dns: { api: none, apiKey: none, server: 'localhost' },
      repository: { baseUrl: none },
      logging: { target: none, protocol: 'tcp' },
      mail: { relay: none },
    },
    users: [],
    packageSigning: { key: none },
    maintenance: {
      timezone: 'Europe/Zurich',
      freeze: { dayOfMonth: 1, time: '00:00' },
      test: { afterFreeze: 'P0D' },
      production: { afterFreeze: 'P7D', minimumGapAfterTest: 'P7D', requiresAcceptance: true },
    },
    flavors: {},
    images: {},
    typeAliases: {},
    sharedRepositories: [],
    source: pos1('aare.yaml'),
  };
}

export function checkProvider(f: Findings, y: YamlFile, p: Provider, controlRepo: ControlRepo): void {
  const label = dnsLabelProblem(p.name);
  if (label) f.at('INVALID_DNS_LABEL', `provider name '${p.name}' ${label}`, valueRange(y, ['name']));
  for (const name of Object.keys(p.flavors)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
      f.at(
        'INVALID_NAME',
        `flavor name '${name}' may contain only letters, digits, '.', '_' and '-'`,
        keyRange(y, ['flavors', name]),
      );
  }
  for (const name of Object.keys(p.images)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
      f.at(
        'INVALID_NAME',
        `image name '${name}' may contain only letters, digits, '.', '_' and '-'`,
        keyRange(y, ['images', name]),
      );
  }
  const users = new Set<string>();
  p.users.forEach((u, i) => {
    if (users.has(u.name))
      f.at('DUPLICATE_NAME', `user '${u.name}' is declared twice`, valueRange(y, ['users', i, 'name']));
    users.add(u.name);
  });
  if (!isTimeZone(p.maintenance.timezone))
    f.at(
      'SCHEMA',
      `unknown time zone '${p.maintenance.timezone}' (expected an IANA name such as Europe/Zurich)`,
      valueRange(y, ['maintenance', 'timezone']),
    );
  checkMaintenance(f, y, p.maintenance);
  const shared = new Set<string>();
  p.sharedRepositories.forEach((r, i) => {
    const problem = dnsLabelProblem(r);
    if (problem)
      f.at(
        'INVALID_DNS_LABEL',
        `repository name '${r}' ${problem}`,
        valueRange(y, ['sharedRepositories', i]),
      );
    if (shared.has(r))
      f.at(
        'DUPLICATE_NAME',
        `shared repository '${r}' is listed twice`,
        valueRange(y, ['sharedRepositories', i]),
      );
    shared.add(r);
  });

  // type aliases: names first (so aliases may refer to each other), then their definitions
  const aliasTexts = Object.entries(p.typeAliases);
  for (const [name] of aliasTexts) {
    if (!/^[A-Z][A-Za-z0-9_]*(::[A-Z][A-Za-z0-9_]*)*$/.test(name))
      f.at(
        'INVALID_NAME',
        `type alias '${name}' must be capitalised like Puppet's (e.g. Aare::Port)`,
        keyRange(y, ['typeAliases', name]),
      );
  }
  const parsed: [string, PType][] = [];
  for (const [name] of aliasTexts) {
    const t = parseTypeAt(f, y, ['typeAliases', name]);
    if (t) parsed.push([name, t]);
  }
  for (const [name, t] of parsed) controlRepo.typeAliases.set(name, t);
  for (const [name] of parsed)
    checkAliasRefs(f, y, ['typeAliases', name], controlRepo.typeAliases.get(name)!, controlRepo.typeAliases);
}

/** Zones that need no look-up: asking Intl loads ICU's time zone data (some 30 ms of CPU). */
const commonZones = new Set([
  'UTC',
  'Europe/Zurich',
  'Europe/Berlin',
  'Europe/Vienna',
  'Europe/Paris',
  'Europe/London',
]);

function isTimeZone(tz: string): boolean {
  if (commonZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
