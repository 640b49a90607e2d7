// Test fixtures made with the real toolchain: toy noarch RPMs from rpmbuild, signed in-process
// with a throwaway key. Tests that need rpmbuild skip with a reason when it is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readOrCreateSigningKey, signRpm } from '../../src/repo/index.js';
import type { SigningKey } from '../../src/repo/index.js';

export const hasTool = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/** Reason to skip rpm-based tests, or false when rpmbuild is there. */
export const noRpmbuild: string | false = hasTool('rpmbuild')
  ? false
  : 'rpmbuild is not installed (lab/packages/repo.txt lists what the lab installs)';

/** Reason to skip tests that run `aare package build` (rpmbuild in the bwrap sandbox), or false. */
export const noPackageBuild: string | false =
  noRpmbuild || (hasTool('bwrap') ? false : 'bwrap is not installed (lab/packages/packaging.txt lists it)');

const keyCache = new Map<string, Promise<SigningKey>>();

/** Where testKey(name) keeps its armored secret key (for a second process to read). */
export const testKeyFile = (name = 'provider'): string =>
  join(tmpdir(), `aare-test-keys-${process.pid}`, `${name}.asc`);

/** A throwaway signing key, made once per process per name (RSA 3072 takes a moment). */
export function testKey(name = 'provider'): Promise<SigningKey> {
  let k = keyCache.get(name);
  if (!k) {
    k = readOrCreateSigningKey(
      testKeyFile(name),
      {
        name: `aare test ${name}`,
        email: `${name}@aare.invalid`,
      },
      { mayCreate: true },
    );
    keyCache.set(name, k);
  }
  return k;
}

export interface ToyRpm {
  name: string;
  version: string;
  release?: string;
  /** Shell script installed as /usr/bin/<name>. */
  script?: string;
  requires?: string[];
  provides?: string[];
  files?: boolean;
}

/** Builds a noarch RPM with rpmbuild (AutoReq off) into `outDir`; returns its path (unsigned). */
export function buildToyRpm(outDir: string, p: ToyRpm): string {
  const top = mkdtempSync(join(tmpdir(), 'aare-rpmbuild-'));
  mkdirSync(join(top, 'SPECS'), { recursive: true });
  const release = p.release ?? '1';
  const withFiles = p.files !== false;
  const spec = `Name: ${p.name}
Version: ${p.version}
Release: ${release}
Summary: Toy package ${p.name} for Aare's tests
License: MIT
BuildArch: noarch
AutoReq: no
${(p.requires ?? []).map((r) => `Requires: ${r}\n`).join('')}${(p.provides ?? []).map((r) => `Provides: ${r}\n`).join('')}
%description
Toy package built by Aare's tests.
%install
${withFiles ? `mkdir -p %{buildroot}/usr/bin\ncat > %{buildroot}/usr/bin/${p.name} <<'AARE_EOF'\n${p.script ?? `#!/bin/sh\necho "${p.name} ${p.version}"`}\nAARE_EOF\nchmod 0755 %{buildroot}/usr/bin/${p.name}` : ''}
%files
${withFiles ? `/usr/bin/${p.name}` : ''}
%changelog
* Wed Nov 25 2026 Aare Tests <tests@aare.invalid> - ${p.version}-${release}
- Toy release ${p.version}
`;
  writeFileSync(join(top, 'SPECS', `${p.name}.spec`), spec);
  execFileSync(
    'rpmbuild',
    [
      '-bb',
      '--define',
      `_topdir ${top}`,
      '--define',
      '_buildhost aare-test',
      '--define',
      `_rpmdir ${outDir}`,
      '--define',
      '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm',
      join(top, 'SPECS', `${p.name}.spec`),
    ],
    { stdio: 'pipe', env: { ...process.env, SOURCE_DATE_EPOCH: '1764000000' } },
  );
  rmSync(top, { recursive: true, force: true });
  const path = join(outDir, `${p.name}-${p.version}-${release}.noarch.rpm`);
  if (!existsSync(path)) throw new Error(`rpmbuild did not write ${path}`);
  return path;
}

/** Builds and signs in place with `key`; returns the path. */
export async function buildSignedRpm(outDir: string, p: ToyRpm, key: SigningKey): Promise<string> {
  const path = buildToyRpm(outDir, p);
  writeFileSync(path, await signRpm(readFileSync(path), key));
  return path;
}
