// Migrations in order. Names sort by their number; never edit one that has landed, add a new one.
import type { Migration } from 'kysely';
import * as base from './0001-base.js';
import * as repo from './0200-repo.js';
import * as repoRemotes from './0210-repo-remotes.js';
import * as engine from './0100-engine.js';
import * as release from './0500-release.js';
import * as rollout from './0510-rollout.js';
import * as access from './0600-access.js';
import * as api from './0700-api.js';
import * as jobs from './0800-jobs.js';
import * as webSessions from './0850-web-sessions.js';
import * as jobLeases from './0860-job-leases.js';

export const migrations: Record<string, Migration> = {
  '0001-base': base,
  '0100-engine': engine,
  '0200-repo': repo,
  '0210-repo-remotes': repoRemotes,
  '0500-release': release,
  '0510-rollout': rollout,
  '0600-access': access,
  '0700-api': api,
  '0800-jobs': jobs,
  '0850-web-sessions': webSessions,
  '0860-job-leases': jobLeases,
};
