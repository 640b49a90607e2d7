// The external programs Aare or its tests run, with the Debian package that provides each and the
// lab area (lab/packages/<area>.txt) that installs it. A tool that is not installed is a user's
// fixable situation, never an internal error: every place that runs one checks it here first and
// maps a spawn's ENOENT (by its `code`) to the same TOOL_MISSING diagnostic.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { error } from './diagnostic.js';
import type { Diagnostic } from './diagnostic.js';

export interface ExternalTool {
  /** The Debian package that installs the program. */
  debianPackage: string;
  /** lab/packages/<area>.txt lists the package; `aare lab install <area>` installs it. */
  labArea: string;
  /** What runs it: the product's own commands, or only the test suites. */
  usedBy: string;
}

export const externalTools = {
  git: { debianPackage: 'git', labArea: 'packaging', usedBy: 'aare package build (git tag, git archive)' },
  rpmbuild: { debianPackage: 'rpm', labArea: 'packaging', usedBy: 'aare package build' },
  bwrap: {
    debianPackage: 'bubblewrap',
    labArea: 'packaging',
    usedBy: "aare package build (the sandbox a customer's spec runs in)",
  },
  rpmsign: { debianPackage: 'rpm', labArea: 'repo', usedBy: 'tests: signatures cross-checked with rpm' },
  createrepo_c: { debianPackage: 'createrepo-c', labArea: 'repo', usedBy: 'tests and bench/repo' },
  dnf: { debianPackage: 'dnf', labArea: 'repo', usedBy: 'tests: the real client of the repositories' },
  gpg: {
    debianPackage: 'gnupg',
    labArea: 'repo',
    usedBy: 'Hiera eyaml ENC[GPG,...] blocks (gpg_gnupghome), and tests: signatures cross-checked with gpg',
  },
  eyaml: {
    debianPackage: 'hiera-eyaml',
    labArea: 'hiera',
    usedBy: 'tests: aare secret round trips with the eyaml tool',
  },
  'cloud-init': { debianPackage: 'cloud-init', labArea: 'compile', usedBy: 'tests: user-data schema' },
  puppet: { debianPackage: 'puppet', labArea: 'compile', usedBy: 'tests: ENC, puppet lookup, types' },
  rsyslogd: {
    debianPackage: 'rsyslog',
    labArea: 'syslog',
    usedBy: 'the lab receiver and tests: receiver and VM forwarding configurations',
  },
  logger: { debianPackage: 'bsdutils', labArea: 'syslog', usedBy: 'tests: log lines sent as a VM would' },
  postfix: {
    debianPackage: 'postfix',
    labArea: 'mail',
    usedBy: 'lab/mail (the relay) and tests: postfix check of the relay map and the satellite main.cf',
  },
  postmap: { debianPackage: 'postfix', labArea: 'mail', usedBy: 'tests: the relay map as Postfix reads it' },
  restic: {
    debianPackage: 'restic',
    labArea: 'backup',
    usedBy: 'aare apply, plan and backup (the backup repositories)',
  },
} as const satisfies Record<string, ExternalTool>;

export type ExternalToolName = keyof typeof externalTools;

/** `rpmbuild is not installed: run `aare lab install packaging` (as root) or `apt-get install rpm``. */
export function toolMissing(tool: ExternalToolName, extra: Partial<Diagnostic> = {}): Diagnostic {
  const t: ExternalTool = externalTools[tool];
  return error(
    'TOOL_MISSING',
    `${tool} is not installed (needed by ${t.usedBy}): run \`aare lab install ${t.labArea}\` or \`aare lab up\` as root (or \`apt-get install ${t.debianPackage}\`)`,
    extra,
  );
}

/** True when a spawn failed because the program does not exist (the error's code, not its text). */
export function isSpawnNotFound(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ENOENT';
}

/**
 * The absolute path of an executable as a shell would find it on `PATH`, or undefined. The one
 * piece of I/O in this module: a few `access` and `stat` calls, so that callers can say what is missing
 * before they start anything.
 */
export function findOnPath(program: string, path = process.env.PATH ?? ''): string | undefined {
  const candidates = program.includes('/')
    ? [program]
    : path
        .split(delimiter)
        .filter((dir) => isAbsolute(dir))
        .map((dir) => join(dir, program));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not here: try the next directory
    }
  }
  return undefined;
}

/** The tools of `tools` that are not on `path`. */
export function missingTools(tools: readonly ExternalToolName[], path?: string): ExternalToolName[] {
  return tools.filter((t) => findOnPath(t, path) === undefined);
}

/** The lab areas (lab/packages/<area>.txt) that install `tools`, each once, in table order. */
export function labAreasOf(tools: readonly ExternalToolName[]): string[] {
  return [...new Set(tools.map((t) => externalTools[t].labArea))];
}
