// A month of the demo's policy walked with AARE_NOW against the lab: real repositories (SQLite,
// and PostgreSQL with AARE_TEST_PG_URL), the lab's OpenStack under a run prefix, and real dnf
// through `aare serve`. Production runs 1.0.0, 1.1.0 is built before the freeze and 1.2.0 after
// it; the release goes to test (its commit builds the test environments, not a later commit),
// muster-ag accepts and bergbahn-ag rejects; promotion on day 3 is refused for the gap, on day 8 in
// muster-ag's window it moves muster-ag's production only (dnf there sees 1.1.0, never 1.2.0, and
// its VMs are built); an acceptance whose diff changed no longer counts; outside the window
// promotion is refused with the time it would be allowed, and an emergency promotion moves and is
// in the audit log.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { storeBackendsForTests } from '../store/store-test-backends.js';
import { buildSignedRpm, hasTool, noRpmbuild, testKey, testKeyFile } from '../repo/rpm-fixtures.js';
import { labCloud, listByPrefix, withoutDnsAndBackup } from '../engine/lab-helpers.js';
import { freePort } from '../free-port.js';
import { aareAt, committedRepo, demoCopy, ok, useSigningKey, root } from './release-helpers.js';

const skip =
  noRpmbuild ||
  (!process.env.OS_CLIENT_CONFIG_FILE ? 'needs the lab (OpenStack): run `eval "$(aare lab env)"`' : false) ||
  (!hasTool('dnf') ? 'dnf is not installed (lab/packages/repo.txt lists it)' : false);

/** The versions of `name` that dnf, in its own installroot, finds in the distribution at `url`. */
function dnfVersions(dir: string, url: string, name: string): Promise<string[]> {
  const conf = join(dir, 'dnf.conf');
  writeFileSync(
    conf,
    `[main]\ngpgcheck=1\nrepo_gpgcheck=1\nreposdir=/nonexistent\nskip_if_unavailable=0\nmetadata_expire=0\nplugins=0\nassumeyes=1\n\n` +
      `[production]\nname=production\nbaseurl=${url}\ngpgkey=${url.replace(/\/repos\/.*$/, '')}/keys/RPM-GPG-KEY-aare\n`,
  );
  const installroot = mkdtempSync(join(dir, 'root-'));
  return new Promise((resolve, reject) => {
    // not spawnSync: `aare serve` answers from a child, but keep the event loop free anyway
    const child = spawn(
      'dnf',
      [
        '-c',
        conf,
        `--installroot=${installroot}`,
        '--releasever=12',
        '-q',
        'repoquery',
        '--qf',
        '%{version}',
        name,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) => {
      rmSync(installroot, { recursive: true, force: true });
      if (code === 0) resolve(out.split('\n').filter(Boolean).sort());
      else reject(new Error(`dnf exited with ${code}: ${err}`));
    });
  });
}

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

// one backend: the walk builds VMs in the lab's OpenStack, minutes per run; the store's own tests
// cover both backends, and PostgreSQL (when the lab has it) is the one several processes share
for (const backend of storeBackendsForTests().slice(-1)) {
  describe(`release rollout over a month (${backend.name})`, () => {
    test(
      'freeze, deploy, accept/reject, promote by window, gap and acceptance, emergency',
      { skip, timeout: 600_000 },
      async (t) => {
        const dir = mkdtempSync(join(tmpdir(), 'aare-rollout-'));
        t.after(() => rmSync(dir, { recursive: true, force: true }));
        const repo = join(dir, 'control');
        const state = join(dir, 'state');
        const rpms = join(dir, 'rpms');
        demoCopy(repo);
        // the lab's PowerDNS zones and backup logins are shared with other tests applying the demo
        withoutDnsAndBackup(repo);
        const prefix = `m${process.pid.toString(36)}${Date.now().toString(36)}-`;
        const { client } = await labCloud(prefix);
        const servers = async () =>
          (await listByPrefix(client, prefix)).servers.map((s) => s.slice(prefix.length));
        const envServers = (names: string[], customer: string, env: string) =>
          names.filter((n) => n.endsWith(`.${env}.${customer}.cloud.example.ch`)).length;
        const key = await testKey('provider');
        useSigningKey(repo, testKeyFile('provider'));
        const git = committedRepo(repo);
        const commit = git('rev-parse', 'HEAD').trim();
        const opts = await backend.fresh();
        const aare = aareAt(repo, state, opts.databaseUrl, { AARE_OPENSTACK_PREFIX: prefix });
        t.after(() => {
          // everything this run built, whatever the calendar says
          aare('2027-03-31T12:00:00+02:00', 'destroy', '--yes');
        });
        const upload = async (now: string, customer: string, name: string, version: string) => {
          const file = await buildSignedRpm(rpms, { name, version }, key);
          ok(aare(now, 'repo', 'upload', customer, file));
        };
        /** Runs `aare ARGS` and SIGKILLs it once its output matches `when`; its output up to then. */
        const aareKilled = (now: string, args: string[], when: RegExp) =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(process.execPath, [join(root, 'bin/aare.mjs'), ...args], {
              cwd: repo,
              stdio: ['ignore', 'pipe', 'pipe'],
              env: {
                ...process.env,
                AARE_NOW: now,
                AARE_STATE_DIR: state,
                AARE_DATABASE_URL: opts.databaseUrl ?? '',
                AARE_SERVE_URL: '',
                AARE_OPENSTACK_PREFIX: prefix,
              },
            });
            let out = '';
            let err = '';
            let hit = false;
            child.stdout.on('data', (b: Buffer) => {
              out += b.toString();
              if (!hit && when.test(out)) {
                hit = true;
                child.kill('SIGKILL');
              }
            });
            child.stderr.on('data', (b: Buffer) => (err += b.toString()));
            child.on('close', () =>
              hit ? resolve(out) : reject(new Error(`ended before ${String(when)}: ${out}${err}`)),
            );
          });
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
        // committed after the freeze: a VM the release does not have
        const later = join(repo, 'tenants/alpine-it/muster-ag.yaml');
        writeFileSync(
          later,
          readFileSync(later, 'utf8').replace(
            /(\n\s+)web2:/,
            '$1web9: { role: shop_frontend, flavor: m1.small, image: rocky-9, environments: [test] }$1web2:',
          ),
        );
        git('commit', '-qam', 'web9 after the freeze');
        // built after the freeze: not part of the release
        await upload('2027-03-01T09:00:00+01:00', 'muster-ag', 'muster-shop', '1.2.0');
        await upload('2027-03-01T09:00:00+01:00', 'bergbahn-ag', 'bergbahn-booking', '1.2.0');
        // the release's snapshot cannot be changed: not re-recorded under its name, and the uploads
        // after the freeze made new repository versions, not changes to the frozen ones
        const again = aare('2027-03-01T09:05:00+01:00', 'repo', 'snapshot', '--name', 'release-2027-03');
        assert.equal(again.status, 1, again.stdout);
        assert.match(again.stderr, /release-2027-03/);
        const frozen = (
          JSON.parse(ok(aare('2027-03-01T09:05:00+01:00', 'repo', 'snapshots', '--json'))) as {
            name: string;
            versions: Record<string, number>;
          }[]
        ).find((x) => x.name === 'release-2027-03');
        assert.deepEqual(frozen?.versions, { 'bergbahn-ag': 2, 'muster-ag': 2 });

        const deploy = ok(
          aare('2027-03-01T10:00:00+01:00', 'release', 'deploy', '2027-03', '--env', 'test', '--yes'),
        );
        assert.match(deploy, /~ bergbahn-ag\/test: \(no distribution\) → release-2027-03/);
        assert.match(deploy, /~ muster-ag\/test: \(no distribution\) → release-2027-03/);
        // the release's commit built both test environments, and nothing of production
        const afterDeploy = await servers();
        assert.equal(envServers(afterDeploy, 'muster-ag', 'test'), 3, afterDeploy.join(', '));
        assert.equal(envServers(afterDeploy, 'bergbahn-ag', 'test'), 2, afterDeploy.join(', '));
        assert.ok(!afterDeploy.some((n) => n.startsWith('web9.')), 'a VM committed after the freeze');
        assert.ok(!afterDeploy.some((n) => n.includes('.production.')), afterDeploy.join(', '));

        // dnf on muster-ag's production, through `aare serve` over this state
        const port = await freePort();
        const serve = spawn(process.execPath, [join(root, 'bin/aare.mjs'), 'serve', '--port', String(port)], {
          cwd: repo,
          stdio: ['ignore', 'ignore', 'pipe'],
          env: {
            ...process.env,
            AARE_NOW: '2027-03-02T08:00:00+01:00',
            AARE_STATE_DIR: state,
            AARE_DATABASE_URL: opts.databaseUrl ?? '',
            AARE_SERVE_URL: `http://127.0.0.1:${port}`,
          },
        });
        t.after(() => serve.kill('SIGTERM'));
        let serveErr = '';
        serve.stderr.on('data', (b: Buffer) => (serveErr += b.toString()));
        const production = `http://127.0.0.1:${port}/repos/muster-ag/production/`;
        for (let i = 0; ; i++) {
          const up = await fetch(`http://127.0.0.1:${port}/keys/RPM-GPG-KEY-aare`).then(
            (r) => r.ok,
            () => false,
          );
          if (up) break;
          assert.ok(i < 300 && serve.exitCode === null, `aare serve did not start: ${serveErr}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.deepEqual(await dnfVersions(dir, production, 'muster-shop'), ['1.0.0']);
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
              '--no-plan',
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
          ok(
            aare(
              '2027-03-02T09:00:00+01:00',
              'release',
              'diff',
              '2027-03',
              '--customer',
              'muster-ag',
              '--no-plan',
            ),
          ),
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

        // day 8, 21:30: inside muster-ag's window; bergbahn-ag rejected it. The first promote is
        // killed (SIGKILL) in the middle of building muster-ag's production; the same promote again
        // completes it: one snapshot per distribution, the apply finished, one audit entry per action
        const promote = ['release', 'promote', '2027-03', '--env', 'production', '--yes'];
        const killed = await aareKilled('2027-03-08T21:30:00+01:00', promote, /: created \(/);
        assert.match(
          killed,
          /~ muster-ag\/production: \(latest\) → release-2027-03, infrastructure changes below/,
        );
        assert.equal(dists('2027-03-08T21:30:30+01:00')['muster-ag/production']![0], 'release-2027-03');
        const day8 = aare('2027-03-08T21:31:00+01:00', ...promote);
        assert.equal(day8.status, 1, day8.stderr);
        assert.match(
          day8.stdout,
          /~ muster-ag\/production: already on release-2027-03, infrastructure changes below/,
        );
        assert.match(day8.stdout, /Apply complete/);
        assert.match(day8.stderr, /RELEASE_NOT_ACCEPTED: bergbahn-ag rejected/);
        assert.doesNotMatch(day8.stderr, /OUTSIDE_WINDOW: (release 2027-03 reached )?muster-ag/);
        assert.match(
          ok(aare('2027-03-08T21:32:00+01:00', 'plan', '--customer', 'muster-ag', '--env', 'production')),
          /No changes/,
        );
        const after8 = dists('2027-03-08T21:31:00+01:00');
        assert.deepEqual(after8['muster-ag/production'], ['release-2027-03', { 'muster-ag': 2 }]);
        assert.deepEqual(after8['bergbahn-ag/production'], [null, { 'bergbahn-ag': 1 }]);
        // dnf on production now sees the release's 1.1.0, and never 1.2.0, built after the freeze
        assert.deepEqual(await dnfVersions(dir, production, 'muster-shop'), ['1.0.0', '1.1.0']);
        // muster-ag's production was built from the release's commit; bergbahn-ag's not at all
        const afterPromote = await servers();
        assert.equal(envServers(afterPromote, 'muster-ag', 'production'), 3, afterPromote.join(', '));
        assert.equal(envServers(afterPromote, 'bergbahn-ag', 'production'), 0, afterPromote.join(', '));
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
          /muster-ag\/production: already on release-2027-03, infrastructure up to date/,
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
          /~ bergbahn-ag\/production: \(latest\) → release-2027-03, infrastructure changes below \(emergency: overrides the window\)/,
        );
        assert.deepEqual(dists('2027-03-10T12:06:00+01:00')['bergbahn-ag/production'], [
          'release-2027-03',
          { 'bergbahn-ag': 2 },
        ]);
        assert.equal(envServers(await servers(), 'bergbahn-ag', 'production'), 4);

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
            // the killed promote recorded its refusal, then died before muster-ag's step ended
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
