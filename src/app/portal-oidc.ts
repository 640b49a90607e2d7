// aare.yaml's `portal.oidc` (docs/portal.md, "Logging in with OpenID Connect"): the portal's
// OpenID Connect provider, whose client secret comes by reference (env:VAR or file:path relative
// to the control repository), never inline. `aare serve`'s flags override each setting; a bad
// value is a diagnostic at its place in aare.yaml.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DiagnosticsError, error } from '../diag/index.js';
import type { SourceRange } from '../diag/index.js';
import type { AppConfig } from './app-config.js';
import { aareYamlScalar } from './provider-key.js';

/** One setting: its value and where it stands (a flag's name, or its place in aare.yaml). */
export interface OidcSetting {
  value: string;
  /** aare.yaml's place of it; absent when it came from a flag or the environment. */
  source?: SourceRange;
}

export interface OidcSettings {
  issuer?: OidcSetting;
  clientId?: OidcSetting;
  claim?: OidcSetting;
  /** The client secret, read when asked for (only when no flag gives it). */
  clientSecret?: () => Promise<string>;
}

function bad(field: string, summary: string, source: SourceRange): DiagnosticsError {
  return new DiagnosticsError([error('OIDC_CONFIG', `portal.oidc.${field}: ${summary}`, { source })]);
}

/** What aare.yaml says of the portal's OpenID Connect provider; nothing when it says nothing. */
export function portalOidcSettings(config: AppConfig): OidcSettings {
  const root = config.controlRepoDir;
  const get = (k: string): OidcSetting | undefined => {
    const s = aareYamlScalar(root, ['portal', 'oidc', k]);
    if (s.value === undefined || s.value === null) return undefined;
    if (typeof s.value !== 'string' || s.value.trim() === '')
      throw bad(k, 'expected a non-empty string', s.source);
    return { value: s.value, source: s.source };
  };
  const secret = get('clientSecret');
  const out: OidcSettings = {};
  const issuer = get('issuer');
  const clientId = get('clientId');
  const claim = get('claim');
  if (issuer) out.issuer = issuer;
  if (clientId) out.clientId = clientId;
  if (claim) out.claim = claim;
  if (secret) {
    const ref = secret.value;
    const where = secret.source!;
    if (!/^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/.test(ref))
      throw bad('clientSecret', 'give it by reference (env:VAR or file:path), never inline', where);
    out.clientSecret = async () => {
      let value: string | undefined;
      if (ref.startsWith('env:')) {
        value = config.env[ref.slice(4)];
        if (!value) throw bad('clientSecret', `environment variable ${ref.slice(4)} is not set`, where);
      } else {
        try {
          value = (await readFile(resolve(root, ref.slice(5)), 'utf8')).trim();
        } catch (err) {
          throw bad(
            'clientSecret',
            `cannot read ${ref.slice(5)}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
            where,
          );
        }
        if (!value) throw bad('clientSecret', `${ref.slice(5)} is empty`, where);
      }
      return value;
    };
  }
  return out;
}

/** A diagnostic at the setting's place in aare.yaml, or undefined when a flag gave it. */
export function oidcSettingError(
  field: string,
  setting: OidcSetting,
  summary: string,
): DiagnosticsError | undefined {
  return setting.source ? bad(field, summary, setting.source) : undefined;
}
