// The release and audit commands as a user runs them, on a git copy of the demo control repository
// walked with AARE_NOW, on SQLite and (with AARE_TEST_PG_URL) PostgreSQL: freezes named by month in
// Europe/Zurich, a refused freeze on uncommitted changes, the list, the audit log and its
// verification after a row was edited in the database itself.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { storeBackendsForTests } from '../store/store-test-backends.js';
import { aareAt, committedRepo, demoCopy, ok, root } from './release-helpers.js';

for (const backend of storeBackendsForTests()) {
  describe(`aare release / audit (${backend.name})`, () => {
    test('freeze, refuse, list, audit, verify', async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'aare-release-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const repo = join(dir, 'control');
      const state = join(dir, 'state');
      demoCopy(repo);
      const git = committedRepo(repo);
      const commit = git('rev-parse', 'HEAD').trim();
      const opts = await backend.fresh();
      const aare = aareAt(repo, state, opts.databaseUrl);

      ok(aare('2027-02-01T00:00:00Z', 'repo', 'create', 'base'));
      ok(aare('2027-02-01T00:00:00Z', 'repo', 'create', 'muster-ag', '--customer', 'muster-ag'));

      // 23:30 UTC on 28 February is 00:30 on 1 March in Zurich: the March release
      const first = JSON.parse(ok(aare('2027-02-28T23:30:00Z', 'release', 'freeze', '--json'))) as Record<
        string,
        string
      >;
      assert.deepEqual(first, {
        name: '2027-03',
        month: '2027-03',
        frozenAt: '2027-03-01T00:30:00+01:00',
        commit,
        snapshot: 'release-2027-03',
        frozenBy: first.frozenBy,
      });
      const snapshots = JSON.parse(ok(aare('2027-03-01T01:00:00+01:00', 'repo', 'snapshots', '--json'))) as {
        name: string;
        versions: Record<string, number>;
      }[];
      assert.deepEqual(
        snapshots.map((s) => [s.name, Object.keys(s.versions).sort()]),
        [['release-2027-03', ['base', 'muster-ag']]],
      );

      // uncommitted: refused, nothing made
      appendFileSync(join(repo, 'aare.yaml'), '# an edit not yet committed\n');
      const dirty = aare('2027-03-02T10:00:00+01:00', 'release', 'freeze');
      assert.equal(dirty.status, 1);
      assert.match(
        dirty.stderr,
        /error CONTROL_REPO_DIRTY: the control repository has uncommitted changes \(aare\.yaml\)/,
      );
      assert.doesNotMatch(dirty.stderr, /\n\s+at /);
      git('checkout', '-q', 'aare.yaml');

      ok(aare('2027-03-15T09:00:00+01:00', 'release', 'freeze'));
      // summer time: the offset of the April freeze is +02:00
      ok(aare('2027-04-01T00:00:00+02:00', 'release', 'freeze'));
      const list = JSON.parse(ok(aare('2027-04-02T00:00:00+02:00', 'release', 'list', '--json'))) as Record<
        string,
        string
      >[];
      assert.deepEqual(
        list.map((r) => [r.name, r.frozenAt, r.commit]),
        [
          ['2027-03', '2027-03-01T00:30:00+01:00', commit],
          ['2027-03-2', '2027-03-15T09:00:00+01:00', commit],
          ['2027-04', '2027-04-01T00:00:00+02:00', commit],
        ],
      );

      const audit = JSON.parse(ok(aare('2027-04-02T00:00:00+02:00', 'audit', '--json'))) as {
        id: number;
        at: string;
        action: string;
        result: string;
        detail: Record<string, unknown>;
      }[];
      assert.deepEqual(
        audit.map((e) => [e.at, e.action, e.result, e.detail.release ?? e.detail.errors]),
        [
          ['2027-02-28T23:30:00.000Z', 'release.freeze', 'ok', '2027-03'],
          ['2027-03-02T09:00:00.000Z', 'release.freeze', 'refused', ['CONTROL_REPO_DIRTY']],
          ['2027-03-15T08:00:00.000Z', 'release.freeze', 'ok', '2027-03-2'],
          ['2027-03-31T22:00:00.000Z', 'release.freeze', 'ok', '2027-04'],
        ],
      );
      const since = JSON.parse(
        ok(aare('2027-04-02T00:00:00+02:00', 'audit', '--since', '2027-03-15', '--json')),
      ) as {
        id: number;
      }[];
      assert.deepEqual(
        since.map((e) => e.id),
        [3, 4],
      );
      assert.match(ok(aare('2027-04-02T00:00:00+02:00', 'audit', 'verify')), /audit log intact: 4 entries/);

      // an apply is recorded with its scope and result, also when it fails (here: no clouds.yaml)
      const apply = spawnSync(
        'node',
        [join(root, 'bin/aare.mjs'), 'apply', '--customer', 'muster-ag', '--yes'],
        {
          cwd: repo,
          encoding: 'utf8',
          env: {
            ...process.env,
            AARE_NOW: '2027-04-02T10:00:00+02:00',
            AARE_STATE_DIR: state,
            AARE_DATABASE_URL: opts.databaseUrl ?? '',
            OS_CLIENT_CONFIG_FILE: join(dir, 'no-clouds.yaml'),
          },
        },
      );
      assert.equal(apply.status, 1, apply.stderr);
      const applied = JSON.parse(
        ok(aare('2027-04-02T10:00:00+02:00', 'audit', '--customer', 'muster-ag', '--json')),
      ) as {
        at: string;
        action: string;
        scope: string;
        result: string;
        detail: { errors: string[] };
      }[];
      assert.deepEqual(
        applied.map((e) => [e.at, e.action, e.scope, e.result, e.detail.errors]),
        [['2027-04-02T08:00:00.000Z', 'apply', 'alpine-it/muster-ag', 'failed', ['OPENSTACK_CONFIG']]],
      );

      // someone with database access turns the refusal into a success
      const edit = "update audit_log set result = 'ok' where id = 2";
      if (opts.databaseUrl) {
        const client = new pg.Client({ connectionString: opts.databaseUrl });
        await client.connect();
        await client.query(edit);
        await client.end();
      } else {
        const db = new Database(join(state, 'state.db'));
        db.prepare(edit).run();
        db.close();
      }
      const verify = aare('2027-04-02T00:00:00+02:00', 'audit', 'verify');
      assert.equal(verify.status, 1);
      assert.match(verify.stderr, /error AUDIT_TAMPERED: audit entry 2: its content does not match its hash/);
    });
  });
}

test('aare window list on the demo: March 2027 for muster-ag (its own window 21:00 for 3 hours)', () => {
  const r = spawnSync(
    'node',
    [
      join(root, 'bin/aare.mjs'),
      'window',
      'list',
      '--from',
      '2027-03-01',
      '--to',
      '2027-03-31',
      '--customer',
      'muster-ag',
      '--json',
    ],
    { cwd: join(root, 'examples/demo'), encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  // freeze on the 1st at 00:00; test from the freeze to the next one (April: summer time);
  // production a week later, on the 8th at 21:00 until midnight
  assert.deepEqual(JSON.parse(r.stdout), [
    { kind: 'freeze', start: '2027-03-01T00:00:00+01:00', end: '2027-03-01T00:00:00+01:00' },
    { kind: 'test', start: '2027-03-01T00:00:00+01:00', end: '2027-04-01T00:00:00+02:00' },
    {
      kind: 'production',
      customer: 'muster-ag',
      environment: 'production',
      start: '2027-03-08T21:00:00+01:00',
      end: '2027-03-09T00:00:00+01:00',
    },
  ]);
});
