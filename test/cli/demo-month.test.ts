// `aare demo --no-lab` on a copy of the demo: after the main job it walks the maintenance month at
// its own AARE_NOW per step (freeze, the diff, muster-ag accepts, bergbahn-ag rejects; the steps
// that deploy and promote need the lab and are skipped), a second run on the same state freezes
// 2027-03-2 and uses that name, and a copy that is not committed skips the month with one line.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { noPackageBuild } from '../repo/rpm-fixtures.js';
import { committedRepo, demoCopy, ok, root } from '../release/release-helpers.js';
import type { AareRun } from '../release/release-helpers.js';

interface ReleaseRow {
  name: string;
  decisions: { customer: string; decision: string }[];
}

/**
 * `aare ARGS -C repo` on the copy's own state (<copy>/.aare, SQLite), with the real clock unless the
 * demo sets it; run from the directory above, so that every step has to honour -C.
 */
function aare(repo: string, ...args: string[]): AareRun {
  const env: NodeJS.ProcessEnv = { ...process.env, AARE_DATABASE_URL: '', AARE_SERVE_URL: '' };
  delete env.AARE_NOW;
  delete env.AARE_STATE_DIR;
  const r = spawnSync('node', [join(root, 'bin/aare.mjs'), ...args, '-C', repo], {
    cwd: dirname(repo),
    encoding: 'utf8',
    env,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('aare demo --no-lab walks the maintenance month', { skip: noPackageBuild }, () => {
  test('a committed copy, twice on one state', { timeout: 300_000 }, (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'aare-demo-month-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const repo = demoCopy(join(dir, 'control'));
    committedRepo(repo);

    const first = ok(aare(repo, 'demo', '--no-lab'));
    assert.match(first, /\n== 25\/25 /);
    assert.ok(
      first.includes(`\n$ AARE_NOW=2027-03-01T00:05:00+01:00 aare release freeze --json -C ${repo}\n`),
      first,
    );
    assert.ok(
      first.includes(
        `$ AARE_NOW=2027-03-02T14:00:00+01:00 aare release accept 2027-03 --customer muster-ag --comment 'shop checkout tested on test' -C ${repo}\n`,
      ),
    );
    assert.match(first, /aare release promote 2027-03 --env production --yes -C \S+\n\(skipped: --no-lab\)/);
    assert.match(first, /\nDemo done\.\n$/);
    const releases = () => JSON.parse(ok(aare(repo, 'release', 'list', '--json'))) as ReleaseRow[];
    const decisions = (r: ReleaseRow | undefined) =>
      Object.fromEntries((r?.decisions ?? []).map((d) => [d.customer, d.decision]));
    assert.deepEqual(
      releases().map((r) => r.name),
      ['2027-03'],
    );
    assert.deepEqual(decisions(releases()[0]), { 'muster-ag': 'accepted', 'bergbahn-ag': 'rejected' });
    // freeze, accept, reject; the demo's own step verified the same chain
    assert.match(first, /audit log intact: 3 entries/);

    const second = ok(aare(repo, 'demo', '--no-lab'));
    assert.match(second, /aare release reject 2027-03-2 --customer bergbahn-ag /);
    assert.deepEqual(
      releases().map((r) => r.name),
      ['2027-03', '2027-03-2'],
    );
    assert.deepEqual(decisions(releases()[1]), { 'muster-ag': 'accepted', 'bergbahn-ag': 'rejected' });
    assert.match(second, /audit log intact: 6 entries/);
  });

  test(
    'a copy with uncommitted changes: the month is skipped, the demo passes',
    { timeout: 300_000 },
    (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'aare-demo-dirty-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const repo = demoCopy(join(dir, 'control'));
      committedRepo(repo);
      writeFileSync(join(repo, 'NOTES.md'), 'not committed\n');

      const r = aare(repo, 'demo', '--no-lab');
      const out = ok(r);
      assert.match(r.stderr, /CONTROL_REPO_DIRTY/);
      assert.ok(out.includes('(skipping the maintenance month, steps 16-25: '), out);
      assert.doesNotMatch(out, /\n== 16\/25 /);
      assert.match(out, /\nDemo done\.\n$/);
      assert.deepEqual(JSON.parse(ok(aare(repo, 'release', 'list', '--json'))), []);
    },
  );
});
