// The provider's package signing key and the keys uploads are checked against, and the URL
// clients reach `aare serve` at. These read aare.yaml's few keys directly (not the whole model),
// so repository commands work in a control repository that does not validate yet.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { DiagnosticsError, error } from '../diag/index.js';
import type { SourceRange } from '../diag/index.js';
import { readControlRepoFile } from '../model/index.js';
import { openSigningKey, readPublicKeys, recordSigningKey, signingKeyFromArmored } from '../repo/index.js';
import type { SigningKey } from '../repo/index.js';
import type { Store } from '../store/index.js';
import type { AppConfig } from './app-config.js';

type PublicKeys = Awaited<ReturnType<typeof readPublicKeys>>;

/**
 * The provider's key from aare.yaml's `packageSigning.key` (`file:path` relative to the control
 * repository, or `env:VAR` holding the armored key). A `file:` key under the state directory that
 * does not exist yet is generated there while the state is fresh (a throwaway key for demos and
 * tests); any other missing key is an error. The public half is written to <stateDir>/keys/provider.asc, which `aare serve`
 * serves and uploads are checked against.
 */
export async function loadProviderKey(config: AppConfig, store: Store): Promise<SigningKey> {
  const root = config.controlRepoDir;
  const setting = aareYamlScalar(root, ['packageSigning', 'key']);
  const ref = typeof setting.value === 'string' ? setting.value : 'file:.aare/signing-key.asc';
  const where = setting.source;
  let key: SigningKey;
  try {
    if (ref.startsWith('env:')) {
      const armored = config.env[ref.slice(4)];
      if (!armored) {
        throw new DiagnosticsError([
          error('IO_ERROR', `packageSigning.key: environment variable ${ref.slice(4)} is not set`, {
            source: where,
          }),
        ]);
      }
      key = await signingKeyFromArmored(armored);
      await recordSigningKey(store.db, key.fingerprint);
    } else {
      const path = resolve(root, ref.replace(/^file:/, ''));
      const rel = relative(config.stateDir, path);
      const throwaway = !rel.startsWith('..') && !isAbsolute(rel);
      if (!existsSync(path) && !throwaway) {
        throw new DiagnosticsError([
          error('IO_ERROR', `packageSigning.key: ${relative(root, path)} does not exist`, { source: where }),
        ]);
      }
      // A throwaway key only for a fresh state: openSigningKey refuses to replace a lost key that
      // the state has signed with (every VM trusts it), naming the file and how to restore it.
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
  await mkdir(join(config.stateDir, 'keys'), { recursive: true });
  await writeFile(join(config.stateDir, 'keys', 'provider.asc'), key.publicArmored);
  return key;
}

/** The keys uploads are checked against: the provider's public key and <stateDir>/keys/trusted/*.asc. */
export async function trustedKeys(stateDir: string): Promise<PublicKeys> {
  const trusted: PublicKeys = [];
  const providerPub = join(stateDir, 'keys', 'provider.asc');
  if (existsSync(providerPub)) trusted.push(...(await readPublicKeys(await readFile(providerPub, 'utf8'))));
  const trustedDir = join(stateDir, 'keys', 'trusted');
  if (existsSync(trustedDir)) {
    for (const f of (await readdir(trustedDir)).filter((n) => n.endsWith('.asc')).sort()) {
      trusted.push(...(await readPublicKeys(await readFile(join(trustedDir, f), 'utf8'))));
    }
  }
  return trusted;
}

/**
 * The base URL clients reach `aare serve` at: AARE_SERVE_URL, else aare.yaml's
 * `endpoints.repository.baseUrl`, else http://127.0.0.1:8080 (serve's default).
 */
export function repositoryBaseUrl(config: AppConfig): Promise<string> {
  if (config.serveUrl) return Promise.resolve(config.serveUrl);
  const v = aareYamlScalar(config.controlRepoDir, ['endpoints', 'repository', 'baseUrl']).value;
  return Promise.resolve(typeof v === 'string' && /^https?:\/\//.test(v) ? v : 'http://127.0.0.1:8080');
}

/**
 * One setting of aare.yaml and where it stands, without loading the whole model. The file is read
 * under the control repository's rules (inside it, UTF-8); a missing aare.yaml is no setting.
 */
export function aareYamlScalar(root: string, path: string[]): { value?: unknown; source: SourceRange } {
  const source: SourceRange = { file: 'aare.yaml', start: { line: 1, col: 1 } };
  const read = readControlRepoFile(root, 'aare.yaml');
  if ('diagnostic' in read) {
    if (read.missing) return { source };
    throw new DiagnosticsError([read.diagnostic]);
  }
  const lineCounter = new LineCounter();
  const node = parseDocument(read.text, { lineCounter }).getIn(path, true) as
    { value?: unknown; range?: [number, number] } | undefined;
  if (!node) return { source };
  const at = lineCounter.linePos(node.range?.[0] ?? 0);
  return { value: node.value, source: { file: 'aare.yaml', start: { line: at.line, col: at.col } } };
}
