// profiles/<name>.yaml: names, Puppet classes, typed parameters and their defaults, files from
// templates, firewall sources and DNS names. Customer owners are checked with the customers
// (tenant-checks.ts), which are built later.
import { join, posix } from 'node:path';
import { checkValue } from '../puppet-types/index.js';
import { parseCidr } from './cidr-net.js';
import { claimFileName } from './check-findings.js';
import type { Findings } from './check-findings.js';
import type { ControlRepoFiles } from './control-repo-files.js';
import { resolveControlRepoPath } from './control-repo-read.js';
import type { ControlRepo, Profile, ProfileParameter } from './model-types.js';
import { dnsNameProblem, puppetNameProblem } from './name-rules.js';
import { checkAliasRefs, parseTypeAt } from './puppet-type-checks.js';
import { keyRange, pos1, valueRange } from './yaml-file.js';
import type { NodePath } from './yaml-file.js';

export function buildProfiles(f: Findings, files: ControlRepoFiles, controlRepo: ControlRepo): void {
  const classes = new Map<string, string>();
  for (const { name, yaml: y, data } of files.profiles) {
    const source = pos1(y.file);
    if (!claimFileName(f, 'profile', name, source, controlRepo.profiles, files.broken.profiles)) continue;
    const puppetClass = data.class ?? `profile::${name}`;
    const classOwner = classes.get(puppetClass);
    if (classOwner) {
      const at = data.class ? valueRange(y, ['class']) : source;
      f.at(
        'DUPLICATE_NAME',
        `Puppet class '${puppetClass}' is already the class of profile '${classOwner}'`,
        at,
      );
    }
    classes.set(puppetClass, name);

    const parameters = new Map<string, ProfileParameter>();
    for (const [pname, p] of Object.entries(data.parameters)) {
      const at: NodePath = ['parameters', pname];
      const problem = puppetNameProblem(pname);
      if (problem) f.at('INVALID_NAME', `parameter name '${pname}' ${problem}`, keyRange(y, at));
      const type = parseTypeAt(f, y, [...at, 'type']);
      if (!type) {
        files.broken.parameters.add(`${puppetClass}::${pname}`);
        continue;
      }
      const param: ProfileParameter = {
        type,
        typeText: p.type,
        required: !('default' in p),
        source: keyRange(y, at),
      };
      if ('default' in p) param.default = p.default;
      if (p.doc !== undefined) param.doc = p.doc;
      parameters.set(pname, param);
      if (!checkAliasRefs(f, y, [...at, 'type'], type, controlRepo.typeAliases)) continue;
      if ('default' in p) {
        const mismatch = checkValue(type, p.default ?? undefined, controlRepo.typeAliases);
        if (mismatch)
          f.at(
            'TYPE_MISMATCH',
            `default of parameter '${pname}' ${mismatch}`,
            valueRange(y, [...at, 'default']),
          );
      }
    }

    const files_: Profile['files'] = [];
    const paths = new Set<string>();
    data.files.forEach((file, i) => {
      if (paths.has(file.path))
        f.at('DUPLICATE_NAME', `file '${file.path}' is declared twice`, valueRange(y, ['files', i, 'path']));
      paths.add(file.path);
      const template = posix.normalize(file.template);
      const templateFile = join(files.root, 'profiles', 'templates', template);
      if (template.startsWith('..') || posix.isAbsolute(template))
        f.at(
          'SCHEMA',
          `template '${file.template}' must be a path under profiles/templates/`,
          valueRange(y, ['files', i, 'template']),
        );
      else {
        // the same rule as for every file Aare reads: inside the repository after links
        const found = resolveControlRepoPath(files.root, `profiles/templates/${template}`);
        if ('diagnostic' in found && !found.missing)
          f.at(found.diagnostic.code, found.diagnostic.summary, valueRange(y, ['files', i, 'template']));
        else if ('diagnostic' in found || found.kind !== 'file')
          f.at(
            'UNKNOWN_REFERENCE',
            `template 'profiles/templates/${template}' ${'diagnostic' in found ? 'does not exist' : 'is not a file'}`,
            valueRange(y, ['files', i, 'template']),
          );
      }
      files_.push({ ...file, template, templateFile });
    });

    data.firewall.forEach((rule, i) => {
      if (rule.from === 'any') return;
      const r = parseCidr(rule.from);
      if (r.problem)
        f.at(
          'CIDR_INVALID',
          `firewall source: ${r.problem} (or 'any')`,
          valueRange(y, ['firewall', i, 'from']),
        );
    });
    data.dnsNames.forEach((n, i) => {
      const problem = dnsNameProblem(n);
      if (problem) f.at('INVALID_DNS_LABEL', `DNS name '${n}': ${problem}`, valueRange(y, ['dnsNames', i]));
    });

    const profile: Profile = {
      name,
      description: data.description,
      puppetClass,
      parameters,
      packages: data.packages,
      services: data.services,
      files: files_,
      firewall: data.firewall,
      backup: data.backup,
      logs: data.logs,
      dnsNames: data.dnsNames,
      sendsMail: data.sendsMail,
      source,
    };
    if (data.customer !== undefined) profile.customer = data.customer;
    controlRepo.profiles.set(name, profile);
  }
}
