// Opens what repository and packaging commands work on: the state directory (the control
// repository's .aare/ unless AARE_STATE_DIR says otherwise), the store (SQLite there, or
// PostgreSQL from AARE_DATABASE_URL), the provider's signing key and the repository service.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { DiagnosticsError, error } from '../diag/index.js';
import { openRepoService, openSigningKey, readPublicKeys, signingKeyFromArmored } from '../repo/index.js';
import type { RepoService, SigningKey } from '../repo/index.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/index.js';

export interface RepoContext {
  root: string;
  stateDir: string;
  store: Store;
  repo: RepoService;
  signingKey?: SigningKey;
  close(): Promise<void>;
}

export interface RepoContextOptions {
  /** The control repository (default: the current directory). */
  root?: string;
  /** Load the provider's signing key (needed to build, sign and publish; not to serve or list). */
  signing?: boolean;
}

/** Where generated state lives for a control repository. */
export function stateDirOf(root: string): string {
  return process.env.AARE_STATE_DIR ? resolve(process.env.AARE_STATE_DIR) : join(root, '.aare');
}

export async function openRepoContext(opts: RepoContextOptions = {}): Promise<RepoContext> {
  const root = resolve(opts.root ?? '.');
  const stateDir = stateDirOf(root);
  const store = await openStore(
    process.env.AARE_DATABASE_URL
      ? { databaseUrl: process.env.AARE_DATABASE_URL }
      : { sqlitePath: join(stateDir, 'state.sqlite') },
  );
  let signingKey: SigningKey | undefined;
  try {
    signingKey = opts.signing ? await loadProviderKey(root, stateDir, store) : undefined;
  } catch (err) {
    await store.close();
    throw err;
  }
  const trusted = [];
  const providerPub = join(stateDir, 'keys', 'provider.asc');
  if (existsSync(providerPub)) trusted.push(...(await readPublicKeys(await readFile(providerPub, 'utf8'))));
  const trustedDir = join(stateDir, 'keys', 'trusted');
  if (existsSync(trustedDir)) {
    for (const f of (await readdir(trustedDir)).filter((n) => n.endsWith('.asc')).sort()) {
      trusted.push(...(await readPublicKeys(await readFile(join(trustedDir, f), 'utf8'))));
    }
  }
  const repo = openRepoService({ store, stateDir, signingKey, trustedKeys: trusted });
  return { root, stateDir, store, repo, signingKey, close: () => store.close() };
}

/**
 * The base URL clients reach `aare serve` at: AARE_SERVE_URL, else aare.yaml's
 * `endpoints.repository.baseUrl`, else http://127.0.0.1:8080 (serve's default).
 */
export async function repositoryBaseUrl(root: string): Promise<string> {
  if (process.env.AARE_SERVE_URL) return process.env.AARE_SERVE_URL;
  const aareYaml = join(resolve(root), 'aare.yaml');
  if (existsSync(aareYaml)) {
    const v = parseDocument(await readFile(aareYaml, 'utf8')).getIn(['endpoints', 'repository', 'baseUrl']);
    if (typeof v === 'string' && /^https?:\/\//.test(v)) return v;
  }
  return 'http://127.0.0.1:8080';
}

/**
 * The provider's key from aare.yaml's `packageSigning.key` (`file:path` relative to the control
 * repository, or `env:VAR` holding the armored key). A `file:` key under .aare/ that does not
 * exist yet is generated there (a throwaway key for demos and tests) while the state has never
 * signed anything; any other missing key is an error. The public half is written to <stateDir>/keys/provider.asc, which `aare serve` serves
 * and uploads are checked against.
 */
export async function loadProviderKey(root: string, stateDir: string, store: Store): Promise<SigningKey> {
  const aareYaml = join(root, 'aare.yaml');
  let ref = 'file:.aare/signing-key.asc';
  let where = { file: 'aare.yaml', start: { line: 1, col: 1 } };
  if (existsSync(aareYaml)) {
    const doc = parseDocument(await readFile(aareYaml, 'utf8'));
    const node = doc.getIn(['packageSigning', 'key'], true) as
      { value?: unknown; range?: [number, number] } | undefined;
    if (node && typeof node.value === 'string') {
      ref = node.value;
      const text = await readFile(aareYaml, 'utf8');
      const offset = node.range?.[0] ?? 0;
      const before = text.slice(0, offset).split('\n');
      where = { file: 'aare.yaml', start: { line: before.length, col: (before.at(-1)?.length ?? 0) + 1 } };
    }
  }
  let key: SigningKey;
  try {
    if (ref.startsWith('env:')) {
      const armored = process.env[ref.slice(4)];
      if (!armored) {
        throw new DiagnosticsError([
          error('IO_ERROR', `packageSigning.key: environment variable ${ref.slice(4)} is not set`, {
            source: where,
          }),
        ]);
      }
      key = await signingKeyFromArmored(armored);
    } else {
      const path = resolve(root, ref.replace(/^file:/, ''));
      const rel = relative(stateDirOf(root), path);
      const throwaway = !rel.startsWith('..') && !isAbsolute(rel);
      if (!existsSync(path) && !throwaway) {
        throw new DiagnosticsError([
          error('IO_ERROR', `packageSigning.key: ${relative(root, path)} does not exist`, { source: where }),
        ]);
      }
      key = await openSigningKey(
        store,
        path,
        { name: 'Aare package signing (throwaway)', email: 'signing@aare.invalid' },
        { mayCreate: throwaway },
      );
    }
  } catch (err) {
    if (err instanceof DiagnosticsError) throw err;
    throw new DiagnosticsError([
      error('IO_ERROR', `packageSigning.key: cannot read the key: ${(err as Error).message}`, {
        source: where,
      }),
    ]);
  }
  await mkdir(join(stateDir, 'keys'), { recursive: true });
  await writeFile(join(stateDir, 'keys', 'provider.asc'), key.publicArmored);
  return key;
}
