// The restic CLI as Aare runs it: a clean environment (nothing of the caller's RESTIC_* or HOME),
// the repository and its password passed in the environment only (never on the command line,
// where `ps` would show them), a private cache directory, JSON output where restic has it.
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { DiagnosticsError, isSpawnNotFound, toolMissing } from '../../diag/index.js';
import { ProviderError } from '../provider-error.js';

/** What restic needs to open one repository; both fields are secrets. */
export interface ResticTarget {
  /** `rest:http://customer:password@host:port/customer/env/` */
  repository: string;
  password: string;
}

export interface ResticClientOptions {
  /** The restic executable (absolute, or found on `path`). */
  restic: string;
  /** PATH for restic's own children (none in practice). */
  path: string;
  /** RESTIC_CACHE_DIR and HOME of every run: a directory of Aare's own. */
  cacheDir: string;
}

const snapshotSchema = z.object({
  id: z.string(),
  short_id: z.string().optional(),
  time: z.string(),
  hostname: z.string(),
  tags: z.array(z.string()).nullish(),
  paths: z.array(z.string()).nullish(),
});

export type ResticSnapshot = z.infer<typeof snapshotSchema>;

/**
 * One restic per call (each costs about a second: restic derives the key with scrypt). Every
 * method throws `ProviderError` `BACKUP_FAILED` when restic exits non-zero, with its stderr
 * (secrets replaced by `***`) as the system message, and an AbortError when the signal fires
 * (restic is sent SIGTERM and releases its lock).
 */
export class ResticClient {
  constructor(private readonly opts: ResticClientOptions) {}

  /** The repository's id (`restic cat config`); fails when it does not exist or does not open. */
  async repositoryId(target: ResticTarget, signal?: AbortSignal): Promise<string> {
    const out = await this.run(target, ['cat', 'config'], signal);
    return parseJson(z.object({ id: z.string() }), out, 'restic cat config').id;
  }

  /** `restic init`: a new repository, encrypted with the target's password. */
  async init(target: ResticTarget, signal?: AbortSignal): Promise<void> {
    await this.run(target, ['init'], signal);
  }

  /** The snapshots, oldest first; only those of `host` and `tag` when given. */
  async snapshots(
    target: ResticTarget,
    filter: { host?: string; tag?: string } = {},
    signal?: AbortSignal,
  ): Promise<ResticSnapshot[]> {
    const args = ['snapshots', '--json'];
    if (filter.host) args.push('--host', filter.host);
    if (filter.tag) args.push('--tag', filter.tag);
    const out = await this.run(target, args, signal);
    return parseJson(z.array(snapshotSchema).nullable(), out, 'restic snapshots') ?? [];
  }

  /** `restic forget --host H --tag T --keep-within <days>d --prune`: the retention of one VM. */
  async forget(
    target: ResticTarget,
    opts: { host: string; tag: string; keepWithinDays: number },
    signal?: AbortSignal,
  ): Promise<void> {
    await this.run(
      target,
      [
        'forget',
        '--host',
        opts.host,
        '--tag',
        opts.tag,
        '--keep-within',
        `${opts.keepWithinDays}d`,
        '--prune',
      ],
      signal,
    );
  }

  /** Runs restic with `args` (never a secret) and returns its stdout. */
  async run(target: ResticTarget, args: string[], signal?: AbortSignal): Promise<string> {
    const env = {
      PATH: this.opts.path,
      HOME: this.opts.cacheDir,
      LC_ALL: 'C',
      RESTIC_CACHE_DIR: this.opts.cacheDir,
      RESTIC_REPOSITORY: target.repository,
      RESTIC_PASSWORD: target.password,
    };
    const what = `restic ${args.join(' ')}`;
    return new Promise<string>((resolvePromise, reject) => {
      const child = spawn(this.opts.restic, args, {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(signal ? { signal } : {}),
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => {
        if (isSpawnNotFound(e)) reject(new DiagnosticsError([toolMissing('restic')]));
        else reject(e);
      });
      child.on('close', (code, sig) => {
        if (code === 0) return resolvePromise(Buffer.concat(out).toString('utf8'));
        if (signal?.aborted) return; // the 'error' event carries the AbortError
        const stderr = scrub(Buffer.concat(err).toString('utf8'), target).trim();
        const last = stderr.split('\n').slice(-3).join(' / ').slice(0, 500);
        const systemMessage = last || (sig ? `killed by ${sig}` : `exit code ${code}`);
        reject(
          new ProviderError({
            code: 'BACKUP_FAILED',
            message: `${what} failed: ${systemMessage}`,
            systemMessage,
            request: what,
          }),
        );
      });
    });
  }
}

/** `text` without the target's secrets (restic hides URL passwords itself, but not everywhere). */
export function scrub(text: string, target: ResticTarget): string {
  let out = text.split(target.repository).join('<repository>');
  for (const secret of [target.password, loginPasswordOf(target.repository)]) {
    if (secret) out = out.split(secret).join('***');
  }
  return out;
}

function loginPasswordOf(repository: string): string | undefined {
  try {
    const u = new URL(repository.replace(/^rest:/, ''));
    return u.password ? decodeURIComponent(u.password) : undefined;
  } catch {
    return undefined;
  }
}

function parseJson<T>(schema: z.ZodType<T>, text: string, request: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new ProviderError({
    code: 'BACKUP_FAILED',
    message: `${request} printed something Aare does not understand`,
    request,
  });
}
