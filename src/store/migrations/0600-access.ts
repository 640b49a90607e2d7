import type { Kysely } from 'kysely';
import { addIdColumn } from './migration-helpers.js';

// Principals and their roles (src/access, docs/access.md): users (a local password hash or an
// OpenID Connect subject) and API tokens (only a hash of the token is kept), and the roles each
// holds on nodes of the tenant tree.
export async function up(db: Kysely<unknown>): Promise<void> {
  await addIdColumn(db, db.schema.createTable('access_principals'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    // a token's owner (a user); null for a token the provider made on the local state
    .addColumn('owner_id', 'integer')
    .addColumn('password_hash', 'text')
    .addColumn('oidc_subject', 'text')
    .addColumn('token_id', 'text', (c) => c.unique())
    .addColumn('token_hash', 'text')
    .addColumn('expires_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('access_principals_kind_name')
    .on('access_principals')
    .columns(['kind', 'name'])
    .execute();
  await db.schema
    .createTable('access_grants')
    .addColumn('principal_id', 'integer', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('granted_by', 'text', (c) => c.notNull())
    .addColumn('granted_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('access_grants_pk', ['principal_id', 'role', 'scope'])
    .execute();
}
