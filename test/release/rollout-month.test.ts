// A month of the demo's policy walked with AARE_NOW against real repositories (SQLite, and
// PostgreSQL with AARE_TEST_PG_URL): production runs 1.0.0, 1.1.0 is built before the freeze and
// 1.2.0 after it; the release goes to test, muster-ag accepts and bergbahn-ag rejects; promotion on
// day 3 is refused for the gap, on day 8 in muster-ag's window it moves muster-ag's production only
// (with 1.1.0, not 1.2.0); an acceptance whose diff changed no longer counts; outside the window
// promotion is refused with the time it would be allowed, and an emergency promotion moves and is
// in the audit log.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { storeBackendsForTests } from '../store/store-test-backends.js';
import { buildSignedRpm, noRpmbuild, testKey, testKeyFile } from '../repo/rpm-fixtures.js';
import { aareAt, committedRepo, demoCopy, ok } from './release-helpers.js';

interface Dist {
  customer: string;
  environment: string;
  snapshot: string | null;
  versions: Record<string, number>;
}
interface AuditRow {
  action: string;
  result: string;
  customer?: string;
  detail: Record<string, unknown>;
}

for (const backend of storeBackendsForTests()) {
  describe(`release rollout over a month (${backend.name})`, () => {
    test(
      'freeze, deploy, accept/reject, promote by window, gap and acceptance, emergency',
      { skip: noRpmbuild, timeout: 300_000 },
      async (t) => {
        const dir = mkdtempSync(join(tmpdir(), 'aare-rollout-'));
        t.after(() => rmSync(dir, { recursive: true, force: true }));
        const repo = join(dir, 'control');
        const state = join(dir, 'state');
        const rpms = join(dir, 'rpms');
        demoCopy(repo);
        const key = await testKey('provider');
        const yaml = join(repo, 'aare.yaml');
        writeFileSync(
          yaml,
          readFileSync(yaml, 'utf8').replace(
            /key: file:\.aare\/signing-key\.asc.*/,
            `key: file:${testKeyFile('provider')}`,
          ),
        );
        const git = committedRepo(repo);
        const commit = git('rev-parse', 'HEAD').trim();
        const opts = await backend.fresh();
        const aare = aareAt(repo, state, opts.databaseUrl);
        const upload = async (now: string, customer: string, name: string, version: string) => {
          const file = await buildSignedRpm(rpms, { name, version }, key);
          ok(aare(now, 'repo', 'upload', customer, file));
        };
        const dists = (now: string) =>
          Object.fromEntries(
            (JSON.parse(ok(aare(now, 'repo', 'distributions', '--json'))) as Dist[]).map((d) => [
              `${d.customer}/${d.environment}`,
              [d.snapshot, d.versions],
            ]),
          );

        // February: 1.0.0 runs on production (the latest versions), 1.1.0 arrives before the freeze
        mkdirSync(rpms, { recursive: true });
        for (const c of ['muster-ag', 'bergbahn-ag'])
          ok(aare('2027-02-10T10:00:00+01:00', 'repo', 'create', c, '--customer', c));
        await upload('2027-02-10T10:00:00+01:00', 'muster-ag', 'muster-shop', '1.0.0');
        await upload('2027-02-10T10:00:00+01:00', 'bergbahn-ag', 'bergbahn-booking', '1.0.0');
        for (const c of ['muster-ag', 'bergbahn-ag'])
          ok(aare('2027-02-10T11:00:00+01:00', 'repo', 'distribute', c, 'production'));
        await upload('2027-02-20T10:00:00+01:00', 'muster-ag', 'muster-shop', '1.1.0');
        await upload('2027-02-20T10:00:00+01:00', 'bergbahn-ag', 'bergbahn-booking', '1.1.0');

        ok(aare('2027-03-01T00:00:00+01:00', 'release', 'freeze'));
        // built after the freeze: not part of the release
        await upload('2027-03-01T09:00:00+01:00', 'muster-ag', 'muster-shop', '1.2.0');
        await upload('2027-03-01T09:00:00+01:00', 'bergbahn-ag', 'bergbahn-booking', '1.2.0');

        const deploy = ok(
          aare('2027-03-01T10:00:00+01:00', 'release', 'deploy', '2027-03', '--env', 'test', '--yes'),
        );
        assert.match(deploy, /~ bergbahn-ag\/test: \(no distribution\) → release-2027-03/);
        assert.match(deploy, /~ muster-ag\/test: \(no distribution\) → release-2027-03/);
        assert.deepEqual(dists('2027-03-01T10:01:00+01:00'), {
          'bergbahn-ag/production': [null, { 'bergbahn-ag': 1 }],
          'bergbahn-ag/test': ['release-2027-03', { 'bergbahn-ag': 2 }],
          'muster-ag/production': [null, { 'muster-ag': 1 }],
          'muster-ag/test': ['release-2027-03', { 'muster-ag': 2 }],
        });
        const wrongEnv = aare(
          '2027-03-01T10:00:00+01:00',
          'release',
          'deploy',
          '2027-03',
          '--env',
          'production',
        );
        assert.equal(wrongEnv.status, 2);
        assert.match(wrongEnv.stderr, /takes --env test \(production: aare release promote\)/);
        const unknown = aare(
          '2027-03-01T10:00:00+01:00',
          'release',
          'diff',
          '2027-13',
          '--customer',
          'muster-ag',
        );
        assert.equal(unknown.status, 1);
        assert.match(unknown.stderr, /error NOT_FOUND: no release named '2027-13'/);

        // the diff against production: 1.0.0 -> 1.1.0 (not 1.2.0), no release on production yet
        const diff = JSON.parse(
          ok(
            aare(
              '2027-03-02T09:00:00+01:00',
              'release',
              'diff',
              '2027-03',
              '--customer',
              'muster-ag',
              '--json',
            ),
          ),
        ) as {
          commit: { from?: string; to: string };
          repositories: { repository: string; from: number; to: number; upgraded: unknown[] }[];
          digest: string;
        };
        assert.deepEqual(diff.commit, { to: commit });
        assert.deepEqual(
          diff.repositories.map((r) => [r.repository, r.from, r.to, r.upgraded]),
          [
            [
              'muster-ag',
              1,
              2,
              [{ name: 'muster-shop', arch: 'noarch', from: '1.0.0-1', to: '1.1.0-1', downgrade: false }],
            ],
          ],
        );
        assert.match(
          ok(aare('2027-03-02T09:00:00+01:00', 'release', 'diff', '2027-03', '--customer', 'muster-ag')),
          /muster-ag 1 → 2.*upgraded.*muster-shop\.noarch.*1\.0\.0-1.*1\.1\.0-1/s,
        );
        ok(
          aare(
            '2027-03-02T09:00:00+01:00',
            'release',
            'accept',
            '2027-03',
            '--customer',
            'muster-ag',
            '--comment',
            'shop works',
          ),
        );
        ok(
          aare(
            '2027-03-02T09:00:00+01:00',
            'release',
            'reject',
            '2027-03',
            '--customer',
            'bergbahn-ag',
            '--comment',
            'booking broken',
          ),
        );

        // day 3, inside a window hour: refused for the gap, with when it would be allowed
        const early = aare(
          '2027-03-03T21:30:00+01:00',
          'release',
          'promote',
          '2027-03',
          '--env',
          'production',
          '--yes',
        );
        assert.equal(early.status, 1);
        assert.match(
          early.stderr,
          /error OUTSIDE_WINDOW: release 2027-03 reached muster-ag's test at 2027-03-01T10:00:00\+01:00: production not before 2027-03-08T10:00:00\+01:00 \(minimum gap P7D\)/,
        );
        assert.match(
          early.stdout,
          /! muster-ag\/production: refused, allowed from 2027-03-08T21:00:00\+01:00/,
        );
        assert.match(
          early.stderr,
          /error RELEASE_NOT_ACCEPTED: bergbahn-ag rejected release 2027-03 \(booking broken\)/,
        );
        assert.equal(dists('2027-03-03T21:31:00+01:00')['muster-ag/production']![0], null);

        // day 8, 21:30: inside muster-ag's window; bergbahn-ag rejected it
        const day8 = aare(
          '2027-03-08T21:30:00+01:00',
          'release',
          'promote',
          '2027-03',
          '--env',
          'production',
          '--yes',
        );
        assert.equal(day8.status, 1, day8.stderr);
        assert.match(day8.stdout, /~ muster-ag\/production: \(latest\) → release-2027-03/);
        assert.match(day8.stderr, /RELEASE_NOT_ACCEPTED: bergbahn-ag rejected/);
        assert.doesNotMatch(day8.stderr, /OUTSIDE_WINDOW: (release 2027-03 reached )?muster-ag/);
        const after8 = dists('2027-03-08T21:31:00+01:00');
        assert.deepEqual(after8['muster-ag/production'], ['release-2027-03', { 'muster-ag': 2 }]);
        assert.deepEqual(after8['bergbahn-ag/production'], [null, { 'bergbahn-ag': 1 }]);
        // again: nothing left to move for muster-ag
        assert.match(
          aare(
            '2027-03-08T21:40:00+01:00',
            'release',
            'promote',
            '2027-03',
            '--env',
            'production',
            '--customer',
            'muster-ag',
            '--yes',
          ).stdout,
          /muster-ag\/production: already on release-2027-03/,
        );

        // bergbahn-ag accepts on day 9; production then moves to the latest versions by hand, so the
        // diff (now a downgrade from 1.2.0) is no longer the one accepted
        ok(aare('2027-03-09T09:00:00+01:00', 'release', 'accept', '2027-03', '--customer', 'bergbahn-ag'));
        ok(aare('2027-03-09T10:00:00+01:00', 'repo', 'distribute', 'bergbahn-ag', 'production'));
        const list1 = JSON.parse(ok(aare('2027-03-09T10:01:00+01:00', 'release', 'list', '--json'))) as {
          decisions: { customer: string; decision: string; current: boolean }[];
        }[];
        assert.deepEqual(list1[0]!.decisions, [
          { customer: 'bergbahn-ag', decision: 'accepted', current: false },
          { customer: 'muster-ag', decision: 'accepted', current: true },
        ]);
        const stale = aare(
          '2027-03-09T10:02:00+01:00',
          'release',
          'promote',
          '2027-03',
          '--env',
          'production',
          '--customer',
          'bergbahn-ag',
          '--yes',
          '--emergency',
          '--reason',
          'x',
        );
        assert.equal(stale.status, 1);
        assert.match(
          stale.stderr,
          /RELEASE_NOT_ACCEPTED: bergbahn-ag accepted release 2027-03, but its diff has changed since/,
        );
        ok(
          aare(
            '2027-03-09T10:03:00+01:00',
            'release',
            'accept',
            '2027-03',
            '--customer',
            'bergbahn-ag',
            '--comment',
            'the downgrade too',
          ),
        );

        // day 10: this month's window has closed
        const late = aare(
          '2027-03-10T12:00:00+01:00',
          'release',
          'promote',
          '2027-03',
          '--env',
          'production',
          '--customer',
          'bergbahn-ag',
          '--yes',
        );
        assert.equal(late.status, 1);
        assert.match(
          late.stderr,
          /error OUTSIDE_WINDOW: bergbahn-ag\/production is outside its production window: the next one is 2027-04-08T22:00:00\+02:00 to 2027-04-09T02:00:00\+02:00/,
        );
        const urgent = ok(
          aare(
            '2027-03-10T12:05:00+01:00',
            'release',
            'promote',
            '2027-03',
            '--env',
            'production',
            '--customer',
            'bergbahn-ag',
            '--yes',
            '--emergency',
            '--reason',
            'booking outage',
          ),
        );
        assert.match(
          urgent,
          /~ bergbahn-ag\/production: \(latest\) → release-2027-03 \(emergency: overrides the window\)/,
        );
        assert.deepEqual(dists('2027-03-10T12:06:00+01:00')['bergbahn-ag/production'], [
          'release-2027-03',
          { 'bergbahn-ag': 2 },
        ]);

        const list = JSON.parse(ok(aare('2027-03-10T12:10:00+01:00', 'release', 'list', '--json'))) as {
          name: string;
          deployed: { customer: string; environment: string }[];
          decisions: { customer: string; decision: string; current: boolean }[];
        }[];
        assert.deepEqual(
          list.map((r) => [r.name, r.deployed.map((d) => `${d.customer}/${d.environment}`), r.decisions]),
          [
            [
              '2027-03',
              ['bergbahn-ag/production', 'bergbahn-ag/test', 'muster-ag/production', 'muster-ag/test'],
              [
                { customer: 'bergbahn-ag', decision: 'accepted', current: true },
                { customer: 'muster-ag', decision: 'accepted', current: true },
              ],
            ],
          ],
        );
        assert.match(ok(aare('2027-03-10T12:10:00+01:00', 'release', 'list')), /muster-ag: accepted/);

        const audit = (
          JSON.parse(ok(aare('2027-03-10T12:10:00+01:00', 'audit', '--json'))) as AuditRow[]
        ).filter((e) => e.action.startsWith('release.'));
        assert.deepEqual(
          audit.map((e) => [e.action, e.result, e.customer ?? '', e.detail.environment ?? '']),
          [
            ['release.freeze', 'ok', '', ''],
            ['release.deploy', 'ok', 'bergbahn-ag', 'test'],
            ['release.deploy', 'ok', 'muster-ag', 'test'],
            ['release.accept', 'ok', 'muster-ag', ''],
            ['release.reject', 'ok', 'bergbahn-ag', ''],
            ['release.promote', 'refused', 'bergbahn-ag', 'production'],
            ['release.promote', 'refused', 'muster-ag', 'production'],
            ['release.promote', 'refused', 'bergbahn-ag', 'production'],
            ['release.promote', 'ok', 'muster-ag', 'production'],
            ['release.accept', 'ok', 'bergbahn-ag', ''],
            ['release.promote', 'refused', 'bergbahn-ag', 'production'],
            ['release.accept', 'ok', 'bergbahn-ag', ''],
            ['release.promote', 'refused', 'bergbahn-ag', 'production'],
            ['release.promote', 'ok', 'bergbahn-ag', 'production'],
          ],
        );
        assert.equal(audit[6]!.detail.allowedAt, '2027-03-08T21:00:00+01:00');
        assert.deepEqual(audit.at(-1)!.detail.emergency, {
          reason: 'booking outage',
          overridden: ['window'],
        });
        assert.match(ok(aare('2027-03-10T12:10:00+01:00', 'audit', 'verify')), /audit log intact/);
      },
    );
  });
}
