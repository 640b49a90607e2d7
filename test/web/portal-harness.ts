// What the portal tests share: a real OpenID Connect provider (oidc-provider, its own login and
// consent pages) with a client for the portal, `aare serve`'s app with the portal and the API over
// the API tests' state (the demo with a frozen release) listening on 127.0.0.1, and Debian's
// Chromium driven by playwright-core. No mock stands in for any of them.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Provider from 'oidc-provider';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { createServerApp } from '../../src/server/index.js';
import { freePort } from '../free-port.js';
import { apiHarness } from '../server/api-harness.js';
import type { ApiHarness } from '../server/api-harness.js';
import { buildPortal } from '../../scripts/portal-build.mjs';

export const CHROMIUM = '/usr/bin/chromium';
export const CLIENT_ID = 'aare-portal';
const CLIENT_SECRET = 'portal-test-secret-0123456789';

/** Why the browser tests cannot run here, or undefined. */
export function skipReason(): string | undefined {
  return existsSync(CHROMIUM)
    ? undefined
    : `${CHROMIUM} is missing (apt-get install chromium; lab/packages/web.txt)`;
}

export interface PortalHarness {
  api: ApiHarness;
  /** The portal's base URL (http://127.0.0.1:port). */
  url: string;
  issuer: string;
  server: FastifyInstance;
  /** A fresh browser profile (its own cookies). */
  context(opts?: { phone?: boolean }): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * `claims`: the identity each login name at the provider has (its `sub` is the login name).
 * The portal maps the `email` claim to a user's OIDC subject.
 */
export async function portalHarness(claims: Record<string, { email: string }>): Promise<PortalHarness> {
  const api = await apiHarness();
  const webDir = join(api.dir, 'web');
  await buildPortal(webDir);
  const [portalPort, idpPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${portalPort}`;
  const issuer = `http://127.0.0.1:${idpPort}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${url}/auth/oidc/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    claims: { openid: ['sub'], email: ['email'] },
    findAccount: (_ctx: unknown, id: string) =>
      claims[id] ? { accountId: id, claims: () => ({ sub: id, email: claims[id]!.email }) } : undefined,
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['portal-test-cookie-key'] },
    pkce: { required: () => true },
  });
  const idp: Server = await new Promise((resolve) => {
    const s = provider.listen(idpPort, '127.0.0.1', () => resolve(s));
  });
  const server = await createServerApp({
    repo: await api.app.repoService(),
    stateDir: api.app.config.stateDir,
    publicUrl: url,
    api: { app: api.app },
    portal: {
      webDir,
      oidc: { issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, claim: 'email' },
    },
  });
  await server.listen({ host: '127.0.0.1', port: portalPort });
  const profiles = mkdtempSync(join(tmpdir(), 'aare-chromium-'));
  let n = 0;
  return {
    api,
    url,
    issuer,
    server,
    async context(opts = {}) {
      // one persistent profile per context: a fresh --user-data-dir, as a new user's browser
      const dir = join(profiles, String(n++));
      const ctx = await chromium.launchPersistentContext(dir, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
        ...(opts.phone
          ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
          : { viewport: { width: 1280, height: 900 } }),
      });
      return ctx;
    },
    async close() {
      await server.close();
      await new Promise<void>((resolve) => idp.close(() => resolve()));
      idp.closeAllConnections?.();
      await api.close();
      rmSync(profiles, { recursive: true, force: true });
    },
  };
}
