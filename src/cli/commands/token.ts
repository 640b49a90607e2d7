// `aare token create|list|revoke` (docs/access.md): API tokens on the local state. A token is
// shown once; the store keeps its hash. Every change is in the audit log.
import type { Command } from 'commander';
import { action, EXIT, UsageError } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';
import { renderTable } from '../cli-table.js';
import { valueOrThrow } from '../../diag/index.js';
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
        const out = {
          token: made.token,
          id: tokenIdOf(made.token)!,
          name: made.principal.name,
          expiresAt: made.principal.expiresAt,
          grants: made.grants,
        };
        if (opts.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        else
          process.stdout.write(
            `${out.token}\n` +
              `token ${out.id} (${out.name}): ${opts.role} on ${opts.scope}, expires ${out.expiresAt}\n` +
              'It is shown only now: Aare keeps a hash of it.\n',
          );
        return EXIT.ok;
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
        const all = await withApp(opts, async (app) => listPrincipals(await app.store()));
        const users = new Map(all.filter((p) => p.kind === 'user').map((p) => [p.id, p.name]));
        const tokens = all
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
