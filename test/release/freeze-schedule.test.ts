// The scheduled freeze on every store backend: several "processes" (each its own store and
// connection pool on one database) check at the same time after the freeze time, and the month
// gets exactly one release and one audit entry. Before the freeze time nothing happens; with
// uncommitted changes the check is refused without claiming the month, so a later one freezes.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Maintenance } from '../../src/model/index.js';
import { freezeIfDue, listAudit, listReleases } from '../../src/release/index.js';
import type { ScheduleOutcome } from '../../src/release/index.js';
import { openRepoService } from '../../src/repo/index.js';
import { openStore } from '../../src/store/index.js';
import type { Store, StoreOptions } from '../../src/store/index.js';
import { storeBackendsForTests } from '../store/store-test-backends.js';
import { committedRepo, demoCopy, root } from './release-helpers.js';

const policy: Maintenance = {
  timezone: 'Europe/Zurich',
  freeze: { dayOfMonth: 1, time: '06:00' },
  test: { afterFreeze: 'P0D' },
  production: { afterFreeze: 'P7D', minimumGapAfterTest: 'P7D', requiresAcceptance: true },
};

function gitRepo(dir: string): (...args: string[]) => string {
  writeFileSync(join(dir, 'aare.yaml'), 'name: test\n');
  return committedRepo(dir, 'first');
}

for (const backend of storeBackendsForTests()) {
  describe(`scheduled freeze (${backend.name})`, () => {
    test('several processes at once: exactly one freeze', async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'aare-schedule-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const repo = join(dir, 'control');
      const state = join(dir, 'state');
      for (const d of [repo, state]) mkdirSync(d, { recursive: true });
      const git = gitRepo(repo);
      // SQLite: one file that every store opens, as processes on one state directory would
      const opts: StoreOptions =
        backend.name === 'sqlite' ? { sqlitePath: join(state, 'state.db') } : await backend.fresh();
      const stores: Store[] = [];
      t.after(async () => {
        for (const s of stores) await s.close();
      });
      for (let i = 0; i < 4; i++) stores.push(await openStore(opts));
      const check = (store: Store, i: number, now: string) =>
        freezeIfDue({
          store,
          repoService: openRepoService({ store, stateDir: state, trustedKeys: [] }),
          controlRepoDir: repo,
          stateDir: state,
          maintenance: () => policy,
          now: () => new Date(now),
          actor: 'aare-serve',
          claimant: `test:${i}`,
        });

      // 05:59 on 1 March in Zurich: not yet
      const early = await check(stores[0]!, 0, '2027-03-01T05:59:00+01:00');
      assert.deepEqual(early, { kind: 'not-due', month: '2027-03', freezeAt: '2027-03-01T06:00:00+01:00' });

      // uncommitted: refused, the month stays unclaimed
      appendFileSync(join(repo, 'aare.yaml'), 'displayName: x\n');
      const dirty = await check(stores[0]!, 0, '2027-03-01T06:00:00+01:00');
      assert.equal(dirty.kind, 'refused');
      git('commit', '-qam', 'second');

      const outcomes: ScheduleOutcome[] = await Promise.all(
        stores.map((s, i) => check(s, i, '2027-03-01T06:00:30+01:00')),
      );
      const kinds = outcomes.map((o) => o.kind).sort();
      assert.equal(kinds.filter((k) => k === 'frozen').length, 1, JSON.stringify(outcomes));
      assert.ok(kinds.every((k) => k === 'frozen' || k === 'claimed-elsewhere' || k === 'released'));
      const releases = await listReleases(stores[0]!);
      assert.deepEqual(
        releases.map((r) => [r.name, r.frozenAt, r.commit]),
        [['2027-03', '2027-03-01T06:00:30+01:00', git('rev-parse', 'HEAD').trim()]],
      );
      // later checks in the month: released, nothing more
      assert.equal((await check(stores[1]!, 1, '2027-03-20T12:00:00+01:00')).kind, 'released');
      const freezes = (await listAudit(stores[0]!)).filter((e) => e.action === 'release.freeze');
      assert.deepEqual(
        freezes.map((e) => e.result),
        ['ok'],
      );
    });
  });
}

test('aare serve freezes by itself once the freeze time has passed', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-serve-freeze-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = join(dir, 'control');
  const git = committedRepo(demoCopy(repo));
  const child = spawn(process.execPath, [join(root, 'bin/aare.mjs'), 'serve', '--port', '0'], {
    cwd: repo,
    env: {
      ...process.env,
      AARE_NOW: '2027-03-01T00:00:01+01:00',
      AARE_STATE_DIR: join(dir, 'state'),
      AARE_DATABASE_URL: '',
      AARE_SERVE_URL: 'http://127.0.0.1:1',
    },
  });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  const froze = await new Promise<boolean>((done) => {
    const timer = setTimeout(() => done(false), 60_000);
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (/froze release/.test(stderr)) {
        clearTimeout(timer);
        done(true);
      }
    });
    child.on('exit', () => done(false));
  });
  assert.ok(froze, stderr);
  assert.match(
    stderr,
    new RegExp(
      `froze release 2027-03 \\(commit ${git('rev-parse', 'HEAD').trim()}, snapshot release-2027-03\\)`,
    ),
  );
  child.kill('SIGTERM');
});
