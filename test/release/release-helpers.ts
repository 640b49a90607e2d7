// What the release tests share: a control repository under git (committed as it is), a copy of
// the demo, and `aare` run as a user runs it at a given AARE_NOW over one state.
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');

/** `git init` and one commit of what `dir` holds; the git of that repository. */
export function committedRepo(dir: string, message = 'the demo'): (...args: string[]) => string {
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.ch', ...args], {
      cwd: dir,
      encoding: 'utf8',
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', message);
  return git;
}

/** The demo control repository copied to `dir` (without its state). */
export function demoCopy(dir: string): string {
  cpSync(join(root, 'examples/demo'), dir, { recursive: true, filter: (src) => !src.includes('/.aare') });
  return dir;
}

/** Points aare.yaml's `packageSigning.key` at a key file (the tests' provider key), instead of the demo's throwaway. */
export function useSigningKey(repo: string, keyFile: string): void {
  const yaml = join(repo, 'aare.yaml');
  writeFileSync(
    yaml,
    readFileSync(yaml, 'utf8').replace(/key: file:\.aare\/signing-key\.asc.*/, `key: file:${keyFile}`),
  );
}

export interface AareRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `aare ARGS` in `repo` at AARE_NOW `now`, over the state in `state` (or at `databaseUrl`), with
 * `env` added (e.g. the lab's OpenStack name prefix).
 */
export function aareAt(repo: string, state: string, databaseUrl?: string, env: NodeJS.ProcessEnv = {}) {
  return (now: string, ...args: string[]): AareRun => {
    const r = spawnSync('node', [join(root, 'bin/aare.mjs'), ...args], {
      cwd: repo,
      encoding: 'utf8',
      env: {
        ...process.env,
        AARE_NOW: now,
        AARE_STATE_DIR: state,
        AARE_DATABASE_URL: databaseUrl ?? '',
        AARE_SERVE_URL: '',
        ...env,
      },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}

/** Its stdout, after checking that it succeeded without a stack trace. */
export function ok(r: AareRun): string {
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  return r.stdout;
}
