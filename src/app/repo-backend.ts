// aare.yaml's `repositories` setting: the embedded back end (default) or an existing Pulp 3, whose
// password comes by reference (env:VAR or file:path kept outside the control repository), never
// inline (docs/repositories.md, "The Pulp back end").
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DiagnosticsError, error } from '../diag/index.js';
import type { PulpConnection } from '../repo/index.js';
import type { AppConfig } from './app-config.js';
import { aareYamlScalar } from './provider-key.js';

export type PulpSettings = PulpConnection & { signingService: string };

/** The Pulp connection aare.yaml names, or undefined for the embedded back end. */
export async function pulpSettings(config: AppConfig): Promise<PulpSettings | undefined> {
  const root = config.controlRepoDir;
  const get = (k: string) => aareYamlScalar(root, ['repositories', k]);
  if (get('backend').value !== 'pulp') return undefined;
  const password = get('password');
  const ref = typeof password.value === 'string' ? password.value : '';
  const missing = (what: string) =>
    new DiagnosticsError([
      error('PULP_CONFIG', `repositories.password: ${what}`, { source: password.source }),
    ]);
  let secret: string | undefined;
  if (ref.startsWith('env:')) {
    secret = config.env[ref.slice(4)];
    if (!secret) throw missing(`environment variable ${ref.slice(4)} is not set`);
  } else if (ref.startsWith('file:')) {
    try {
      secret = (await readFile(resolve(root, ref.slice(5)), 'utf8')).trim();
    } catch (err) {
      throw missing(`cannot read ${ref.slice(5)}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  } else {
    throw missing('give it by reference (env:VAR or file:path)');
  }
  return {
    url: String(get('url').value ?? ''),
    username: String(get('username').value ?? ''),
    password: secret,
    signingService: String(get('signingService').value ?? ''),
  };
}
