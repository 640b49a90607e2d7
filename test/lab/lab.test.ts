// The lab's machinery with a real service: PostgreSQL started, inspected, exported and stopped in
// a temporary state dir on its own port, so the shared lab keeps running. Plus the pure parts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DiagnosticsError } from '../../src/diag/index.js';
import {
  labDown,
  labEnv,
  labPaths,
  labServiceNames,
  labStatus,
  labUp,
  shellQuote,
} from '../../src/lab/index.js';

describe('lab (pure)', () => {
  test('service names: lab/services order first', () => {
    const names = labServiceNames(labPaths({}));
    assert.deepEqual(names.slice(0, 2), ['postgres', 'openstack']);
  });
  test('shell quoting for eval', () => {
    assert.equal(shellQuote('127.0.0.1:5000'), '127.0.0.1:5000');
    assert.equal(
      shellQuote('postgres://postgres@127.0.0.1:15432/aare_test'),
      'postgres://postgres@127.0.0.1:15432/aare_test',
    );
    assert.equal(shellQuote("it's here"), `'it'\\''s here'`);
  });
  test('an unknown service is a usage diagnostic', async () => {
    await assert.rejects(
      labUp({ services: ['nope'], env: { AARE_LAB_STATE: '/nonexistent' } }),
      (err: unknown) => {
        assert.ok(err instanceof DiagnosticsError);
        assert.match(
          err.diagnostics[0]?.summary ?? '',
          /unknown lab service 'nope' \(known: postgres, openstack/,
        );
        return true;
      },
    );
  });
});

/** Running (not a zombie: PID 1 in a container may never reap what the lab started). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

const pgBin = '/usr/lib/postgresql/15/bin/postgres';
const skipPg =
  process.getuid?.() !== 0
    ? 'needs root (the lab starts PostgreSQL as the postgres user)'
    : !existsSync(pgBin)
      ? `needs ${pgBin} (aare lab up installs it)`
      : false;

describe('lab up/status/env/down with a real PostgreSQL', { skip: skipPg }, () => {
  const state = mkdtempSync(join(tmpdir(), 'aare-lab-test-'));
  const port = String(20000 + (process.pid % 10000));
  const env = { ...process.env, AARE_LAB_STATE: state, AARE_LAB_PG_PORT: port };
  after(async () => {
    await labDown({ env, purge: true }).catch(() => undefined);
    rmSync(state, { recursive: true, force: true });
  });

  test('up starts it, a second up is a no-op, status and env describe it, down stops exactly it', async () => {
    const lines: string[] = [];
    const first = await labUp({ services: ['postgres'], env, onProgress: (l) => lines.push(l) });
    assert.deepEqual(
      first.services.map((s) => [s.service, s.action]),
      [['postgres', 'started']],
    );
    assert.ok(
      lines.some((l) => l.startsWith('[postgres') && l.includes(`ready on 127.0.0.1:${port}`)),
      lines.join('\n'),
    );

    const second = await labUp({ services: ['postgres'], env });
    assert.equal(second.services[0]?.action, 'already-up');
    assert.ok(second.totalSeconds < 5, `fast when up (${second.totalSeconds} s)`);

    const status = (await labStatus(env)).find((s) => s.service === 'postgres');
    assert.equal(status?.up, true);
    const proc = status?.processes[0];
    assert.equal(proc?.endpoint, `127.0.0.1:${port}`);
    assert.equal(proc?.reachable, true);
    const openstack = (await labStatus(env)).find((s) => s.service === 'openstack');
    assert.equal(openstack?.up, false, 'nothing else started in this state dir');

    const exports = await labEnv(env);
    assert.match(exports, new RegExp(`^export AARE_LAB_POSTGRES=127\\.0\\.0\\.1:${port}$`, 'm'));
    assert.match(
      exports,
      new RegExp(`^export AARE_TEST_PG_URL=postgres://postgres@127\\.0\\.0\\.1:${port}/aare_test$`, 'm'),
    );
    const answer = execFileSync(
      'psql',
      [`postgres://postgres@127.0.0.1:${port}/aare_test`, '-tAc', 'select 40 + 2'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(answer.trim(), '42');

    const pid = Number(readFileSync(join(state, 'postgres/run/postgres.pid'), 'utf8'));
    await labDown({ services: ['postgres'], env });
    assert.equal(alive(pid), false, 'the postmaster is gone');
    assert.equal(existsSync(join(state, 'postgres/run/postgres.pid')), false);
    assert.equal((await labStatus(env)).find((s) => s.service === 'postgres')?.up, false);
    assert.equal(await labEnv(env), '');
    assert.ok(existsSync(join(state, 'postgres/data/PG_VERSION')), 'data kept without --purge');

    // the kept cluster starts again
    const again = await labUp({ services: ['postgres'], env });
    assert.equal(again.services[0]?.action, 'started');
    await labDown({ services: ['postgres'], env, purge: true });
    assert.equal(existsSync(join(state, 'postgres')), false, '--purge removed the state');
  });

  test('a failed start exits non-zero with the service and its log tail', async () => {
    // a port that is taken (by the shared lab's postgres, or by this test's own listener)
    const busy = await import('node:net').then(
      (net) =>
        new Promise<import('node:net').Server>((ok) => {
          const s = net.createServer();
          s.listen(0, '127.0.0.1', () => ok(s));
        }),
    );
    const taken = String((busy.address() as import('node:net').AddressInfo).port);
    const lines: string[] = [];
    try {
      await assert.rejects(
        labUp({
          services: ['postgres'],
          env: { ...env, AARE_LAB_PG_PORT: taken },
          onProgress: (l) => lines.push(l),
        }),
        (err: unknown) => {
          assert.ok(err instanceof DiagnosticsError);
          const d = err.diagnostics[0];
          assert.equal(d?.code, 'LAB');
          assert.match(
            d?.summary ?? '',
            new RegExp(`lab service postgres did not start: .*port 127\\.0\\.0\\.1:${taken} is taken`),
          );
          return true;
        },
      );
    } finally {
      busy.close();
    }
    assert.ok(lines.some((l) => l.includes('ERROR')));
  });
});
