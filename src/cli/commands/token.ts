// `aare token create|list|revoke` (docs/access.md): API tokens on the local state. A token is
// shown once; the store keeps its hash. Every change is in the audit log.
import type { Command } from 'commander';
import { action, EXIT, UsageError } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';
import { renderTable } from '../cli-table.js';
import { valueOrThrow } from '../../diag/index.js';
import type { Temporal } from 'temporal-polyfill';
import type { Grant, ListedPrincipal } from '../../access/index.js';
import type { Remote } from '../cli-remote.js';
import { accessContext, auditScope, knownScope, parseDuration } from './access-shared.js';

interface CreateFlags extends ControlRepoFlags {
  role: string;
  scope: string;
  expires: string;
  name: string;
  user?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const group = program.command('token').description('API tokens: create (shown once), list, revoke');
  group
    .command('create')
    .description('create an API token with one role on one node of the tenant tree')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .requiredOption('--role <role>', 'the role (aare token roles lists them)')
    .requiredOption('--scope <path>', "the node: '/', '/r/<reseller>' or '/r/<reseller>/c/<customer>'")
    .requiredOption('--expires <duration>', 'valid for this long: 30d, 12h, P90D')
    .option('--name <label>', 'what the token is for', 'token')
    .option('--user <name>', 'the user owning it: the token then holds at most that user’s roles')
    .option('--json', 'print { "token", "id", "name", "expiresAt", "grants" }')
    .action(
      action(async (opts: CreateFlags) => {
        const duration = parseDuration('--expires', opts.expires);
        const { createToken, findUser, isRole } = await import('../../access/index.js');
        if (!isRole(opts.role)) throw new UsageError(`--role: no role '${opts.role}' (aare token roles)`);
        const remote = (await import('../cli-remote.js')).remoteServer();
        if (remote) return remoteCreate(remote, opts, duration);
        const made = await withApp(opts, async (app) => {
          const scope = await knownScope(app, opts.scope);
          const ctx = await accessContext(app);
          let owner;
          if (opts.user !== undefined) {
            owner = await findUser(ctx.store, opts.user);
            if (!owner) throw new UsageError(`--user: no user '${opts.user}' (aare user list)`);
          }
          const { Temporal } = await import('temporal-polyfill');
          const expiresAt = new Date(
            Temporal.Instant.fromEpochMilliseconds(ctx.now.getTime()).toZonedDateTimeISO('UTC').add(duration)
              .epochMilliseconds,
          );
          const result = valueOrThrow(
            await createToken(ctx, {
              name: opts.name,
              grants: [{ role: opts.role, scope: scope.path }],
              expiresAt,
              ...(owner ? { owner } : {}),
            }),
          );
          await app.audit({
            action: 'access.token.create',
            scope: auditScope(scope),
            ...(scope.customer ? { customer: scope.customer } : {}),
            detail: {
              id: (await import('../../access/index.js')).tokenIdOf(result.token),
              name: opts.name,
              grants: result.grants,
              expiresAt: expiresAt.toISOString(),
              ...(owner ? { owner: owner.name } : {}),
            },
            result: 'ok',
          });
          return result;
        });
        const { tokenIdOf } = await import('../../access/index.js');
        return printCreated(opts, {
          token: made.token,
          id: tokenIdOf(made.token)!,
          name: made.principal.name,
          expiresAt: made.principal.expiresAt,
          grants: made.grants,
        });
      }),
    );
  group
    .command('list')
    .description('list tokens: id, name, owner, roles, expiry, revoked')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--json', 'print a JSON array')
    .action(
      action(async (opts: ControlRepoFlags & { json?: boolean }) => {
        const { listPrincipals } = await import('../../access/index.js');
        const remote = (await import('../cli-remote.js')).remoteServer();
        const tokens = remote
          ? await remoteTokens(remote)
          : localTokens(await withApp(opts, async (app) => listPrincipals(await app.store())));
        // the API pages in token id order; the local list shows the same order, so both read alike
        tokens.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        if (opts.json) {
          process.stdout.write(JSON.stringify(tokens, null, 2) + '\n');
          return EXIT.ok;
        }
        process.stdout.write(
          (await renderTable(
            ['id', 'name', 'owner', 'roles', 'expires', 'revoked'],
            tokens.map((t) => [
              t.id,
              t.name,
              t.owner ?? '',
              t.grants.map((g) => `${g.role} ${g.scope}`).join('\n'),
              t.expiresAt ?? '',
              t.revokedAt ?? '',
            ]),
            { rowLines: false },
          )) + '\n',
        );
        return EXIT.ok;
      }),
    );
  group
    .command('revoke <id>')
    .description('revoke a token (by the id aare token list shows); it is refused from then on')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .action(
      action(async (id: string, opts: ControlRepoFlags) => {
        const { revokeToken } = await import('../../access/index.js');
        const { remoteServer, apiCall, apiPath } = await import('../cli-remote.js');
        const remote = remoteServer();
        if (remote)
          await apiCall(remote, 'DELETE', apiPath('/tokens/{id}', { id }), {
            credentials: 'token-or-password',
          });
        else
          await withApp(opts, async (app) => {
            const revoked = valueOrThrow(await revokeToken(await accessContext(app), id));
            await app.audit({
              action: 'access.token.revoke',
              scope: '',
              detail: { id, name: revoked.name },
              result: 'ok',
            });
          });
        process.stdout.write(`token ${id} revoked\n`);
        return EXIT.ok;
      }),
    );
  group
    .command('roles')
    .description('the roles, the level of the tree each goes on, and what each allows')
    .option('--json', 'print a JSON array')
    .action(
      action(async (opts: { json?: boolean }) => {
        const { ROLES } = await import('../../access/index.js');
        const roles = Object.entries(ROLES).map(([name, r]) => ({
          name,
          level: r.level,
          actions: [...r.actions],
          description: r.description,
        }));
        if (opts.json) process.stdout.write(JSON.stringify(roles, null, 2) + '\n');
        else
          process.stdout.write(
            (await renderTable(
              ['role', 'level', 'allows'],
              roles.map((r) => [r.name, r.level, r.actions.join(', ')]),
              { rowLines: false },
            )) + '\n',
          );
        return EXIT.ok;
      }),
    );
}

interface ListedToken {
  id: string;
  name: string;
  owner?: string;
  grants: Grant[];
  expiresAt?: string;
  revokedAt?: string;
  createdBy: string;
  createdAt: string;
}

function localTokens(all: ListedPrincipal[]): ListedToken[] {
  const users = new Map(all.filter((p) => p.kind === 'user').map((p) => [p.id, p.name]));
  return all
    .filter((p) => p.kind === 'token')
    .map((p) => ({
      id: p.tokenId!,
      name: p.name,
      ...(p.ownerId !== undefined ? { owner: users.get(p.ownerId) ?? `#${p.ownerId}` } : {}),
      grants: p.grants,
      expiresAt: p.expiresAt,
      ...(p.revokedAt ? { revokedAt: p.revokedAt } : {}),
      createdBy: p.createdBy,
      createdAt: p.createdAt,
    }));
}

/**
 * The caller's own tokens from the API (a user's with AARE_USER and AARE_PASSWORD; a token sees
 * itself), each as the local listing shows it.
 */
async function remoteTokens(remote: Remote): Promise<ListedToken[]> {
  const { apiList } = await import('../cli-remote.js');
  const items = await apiList<ListedToken>(remote, '/tokens', {}, 'token-or-password');
  return items.map((t) => ({
    id: t.id,
    name: t.name,
    ...(t.owner !== undefined ? { owner: t.owner } : {}),
    grants: t.grants,
    expiresAt: t.expiresAt === '' ? undefined : t.expiresAt,
    ...(t.revokedAt ? { revokedAt: t.revokedAt } : {}),
    createdBy: t.createdBy,
    createdAt: t.createdAt,
  }));
}

interface CreatedToken {
  token: string;
  id: string;
  name: string;
  expiresAt: string | undefined;
  grants: Grant[];
}

function printCreated(opts: CreateFlags, out: CreatedToken): number {
  if (opts.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  else
    process.stdout.write(
      `${out.token}\n` +
        `token ${out.id} (${out.name}): ${opts.role} on ${opts.scope}, expires ${out.expiresAt}\n` +
        'It is shown only now: Aare keeps a hash of it.\n',
    );
  return EXIT.ok;
}

/**
 * A token for the calling user (AARE_USER and AARE_PASSWORD: the API never lets a token make
 * tokens). Its expiry is counted from the client's clock, the one `aare` reads (AARE_NOW in tests).
 */
async function remoteCreate(remote: Remote, opts: CreateFlags, duration: Temporal.Duration): Promise<number> {
  if (opts.user !== undefined)
    throw new UsageError('--user has no form with --server: the token is the calling user’s (AARE_USER)');
  const { readAppConfig } = await import('../../app/index.js');
  const now = readAppConfig({ controlRepoDir: opts.controlRepo, env: process.env }).now();
  const { Temporal } = await import('temporal-polyfill');
  const expiresAt = new Date(
    Temporal.Instant.fromEpochMilliseconds(now.getTime()).toZonedDateTimeISO('UTC').add(duration)
      .epochMilliseconds,
  );
  const { apiCall } = await import('../cli-remote.js');
  const made = await apiCall<CreatedToken>(remote, 'POST', '/tokens', {
    body: {
      name: opts.name,
      grants: [{ role: opts.role, scope: opts.scope }],
      expiresAt: expiresAt.toISOString(),
    },
    credentials: 'token-or-password',
  });
  return printCreated(opts, {
    token: made.token,
    id: made.id,
    name: made.name,
    expiresAt: made.expiresAt,
    grants: made.grants,
  });
}
