// `aare user add|grant|revoke|list` (docs/access.md): the portal's and the API's users on the
// local state, and their roles on the tenant tree. Every change is in the audit log.
import type { Command } from 'commander';
import { action, EXIT, UsageError } from '../cli-run.js';
import { controlRepoFlag, repoAliasFlag, withApp } from '../cli-app.js';
import type { ControlRepoFlags } from '../cli-app.js';
import { renderTable } from '../cli-table.js';
import { valueOrThrow } from '../../diag/index.js';
import { accessContext, auditScope, knownScope } from './access-shared.js';

/**
 * The password from stdin. On a terminal: a prompt on stderr and the typed line read without
 * echo (raw mode; backspace edits, Ctrl-C aborts); piped: everything, without a prompt.
 */
async function readPassword(name: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return readStdin();
  // echo off before the prompt shows: nothing typed after it may reach the screen
  stdin.setRawMode(true);
  process.stderr.write(`Password for ${name}: `);
  try {
    return await new Promise<string>((done, fail) => {
      let typed = '';
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stdin.off('data', onData);
            done(typed);
            return;
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            fail(new UsageError('--password-stdin: cancelled'));
            return;
          }
          if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
          else typed += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

interface RoleFlags extends ControlRepoFlags {
  role: string;
  scope: string;
}

export function register(program: Command): void {
  const group = program.command('user').description('users of the API and the portal, and their roles');
  group
    .command('add <name>')
    .description('add a user who logs in with a local password (read from stdin) or through OpenID Connect')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--password-stdin', 'read the password from standard input (never from the command line)')
    .option('--oidc-subject <sub>', "the user's subject at the OpenID Connect provider")
    .action(
      action(
        async (name: string, opts: ControlRepoFlags & { passwordStdin?: boolean; oidcSubject?: string }) => {
          if (!opts.passwordStdin && opts.oidcSubject === undefined)
            throw new UsageError('aare user add needs --password-stdin or --oidc-subject');
          const password = opts.passwordStdin ? await readPassword(name) : undefined;
          if (password !== undefined && password.length < 12)
            throw new UsageError('--password-stdin: a password needs at least 12 characters');
          const { addUser } = await import('../../access/index.js');
          await withApp(opts, async (app) => {
            valueOrThrow(
              await addUser(await accessContext(app), name, {
                ...(password !== undefined ? { password } : {}),
                ...(opts.oidcSubject !== undefined ? { oidcSubject: opts.oidcSubject } : {}),
              }),
            );
            await app.audit({
              action: 'access.user.add',
              scope: '',
              detail: { name, login: password !== undefined ? 'password' : 'oidc' },
              result: 'ok',
            });
          });
          process.stdout.write(`user ${name} added\n`);
          return EXIT.ok;
        },
      ),
    );
  for (const verb of ['grant', 'revoke'] as const)
    group
      .command(`${verb} <name>`)
      .description(verb === 'grant' ? 'give the user a role on a node of the tree' : 'take a role away')
      .addOption(controlRepoFlag())
      .addOption(repoAliasFlag())
      .requiredOption('--role <role>', 'the role (aare token roles lists them)')
      .requiredOption('--scope <path>', "the node: '/', '/r/<reseller>' or '/r/<reseller>/c/<customer>'")
      .action(
        action(async (name: string, opts: RoleFlags) => {
          const { findUser, grantRole, revokeRole } = await import('../../access/index.js');
          const changed = await withApp(opts, async (app) => {
            const scope = await knownScope(app, opts.scope);
            const ctx = await accessContext(app);
            const user = await findUser(ctx.store, name);
            if (!user) throw new UsageError(`no user '${name}' (aare user list)`);
            const done = valueOrThrow(
              await (verb === 'grant' ? grantRole : revokeRole)(ctx, user, opts.role, scope.path),
            );
            await app.audit({
              action: `access.${verb}`,
              scope: auditScope(scope),
              ...(scope.customer ? { customer: scope.customer } : {}),
              detail: { user: name, role: opts.role, scope: scope.path, changed: done },
              result: 'ok',
            });
            return done;
          });
          process.stdout.write(
            changed
              ? `${verb === 'grant' ? 'granted' : 'revoked'}: ${name} ${opts.role} on ${opts.scope}\n`
              : `${name} ${verb === 'grant' ? 'already has' : 'does not have'} ${opts.role} on ${opts.scope}\n`,
          );
          return EXIT.ok;
        }),
      );
  group
    .command('list')
    .description('list users with their roles')
    .addOption(controlRepoFlag())
    .addOption(repoAliasFlag())
    .option('--json', 'print a JSON array')
    .action(
      action(async (opts: ControlRepoFlags & { json?: boolean }) => {
        const { listPrincipals } = await import('../../access/index.js');
        const users = (await withApp(opts, async (app) => listPrincipals(await app.store())))
          .filter((p) => p.kind === 'user')
          .map((p) => ({ name: p.name, grants: p.grants, createdBy: p.createdBy, createdAt: p.createdAt }));
        if (opts.json) {
          process.stdout.write(JSON.stringify(users, null, 2) + '\n');
          return EXIT.ok;
        }
        process.stdout.write(
          (await renderTable(
            ['user', 'roles', 'added'],
            users.map((u) => [u.name, u.grants.map((g) => `${g.role} ${g.scope}`).join('\n'), u.createdAt]),
            { rowLines: false },
          )) + '\n',
        );
        return EXIT.ok;
      }),
    );
}
