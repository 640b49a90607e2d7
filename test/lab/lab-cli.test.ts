// `aare lab` through the real command line (src/cli/main.ts), on an empty state dir.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const state = mkdtempSync(join(tmpdir(), 'aare-lab-cli-'));
function aare(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, AARE_LAB_STATE: state },
  });
}

describe('aare lab (CLI)', () => {
  after(() => rmSync(state, { recursive: true, force: true }));

  test('status --json: every service, down, no processes', () => {
    const r = aare('lab', 'status', '--json');
    assert.equal(r.status, 0, r.stderr);
    const statuses = JSON.parse(r.stdout) as { service: string; up: boolean; processes: unknown[] }[];
    assert.deepEqual(
      statuses.slice(0, 3).map((s) => [s.service, s.up, s.processes.length]),
      [
        ['postgres', false, 0],
        ['openstack', false, 0],
        ['dns', false, 0],
      ],
    );
  });

  test('status as a table', () => {
    const r = aare('lab', 'status');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /│ service +│ process +│ state +│ pid +│ endpoint +│/);
    assert.match(r.stdout, /│ openstack +│ - +│ down +│/);
  });

  test('env prints nothing when nothing runs', () => {
    const r = aare('lab', 'env');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
  });

  test('an unknown service: one diagnostic line, exit 2, no stack', () => {
    const r = aare('lab', 'up', 'nope');
    assert.equal(r.status, 2);
    assert.match(
      r.stderr,
      /^service: error USAGE: unknown lab service 'nope' \(known: postgres, openstack, dns/,
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test('install: the packages of one area, idempotent; an unknown area is a usage error', () => {
    const ok = aare('lab', 'install', 'packaging');
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /\[packages +[\d.]+s\] (all 3 packages present|packages installed)/);
    const bad = aare('lab', 'install', 'nope');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^area: error USAGE: unknown lab package area 'nope' \(known: .*packaging/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
  });
});
