// Pure parts of the backup provider, in memory: late detection and the htpasswd rewrite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backup } from '../../../src/providers/index.js';

test('late: no snapshot in the 24 h before the end of the grace period of the last due run', () => {
  const tz = 'Europe/Zurich';
  // 02:00 Zurich in winter is 01:00Z; at 02:30Z that run's grace (until 03:00Z) has not ended
  const now = new Date('2026-01-15T02:30:00Z');
  assert.equal(backup.lastDueRun('02:00', tz, now).toISOString(), '2026-01-14T01:00:00.000Z');
  assert.equal(backup.isLate(new Date('2026-01-14T01:00:05Z'), '02:00', tz, now), false);
  const later = new Date('2026-01-15T03:30:00Z');
  assert.equal(backup.lastDueRun('02:00', tz, later).toISOString(), '2026-01-15T01:00:00.000Z');
  assert.equal(backup.isLate(new Date('2026-01-14T01:00:05Z'), '02:00', tz, later), true);
  assert.equal(backup.isLate(new Date('2026-01-15T00:59:00Z'), '02:00', tz, later), false);
  assert.equal(backup.isLate(undefined, '02:00', tz, later), true);
  // summer time: 02:00 Zurich is 00:00Z
  assert.equal(
    backup.lastDueRun('02:00', tz, new Date('2026-07-01T03:00:00Z')).toISOString(),
    '2026-07-01T00:00:00.000Z',
  );
});

test('htpasswd: only marked lines are Aare’s; a rewrite keeps every other line', () => {
  const text = '# ops\nalice:$apr1$x$y\n# aare:backup.login.acme\nacme:{SHA}old\nbob:{SHA}z\n';
  const logins = backup.parseHtpasswd(text);
  assert.deepEqual(
    logins.map((l) => [l.user, l.owned]),
    [
      ['alice', false],
      ['acme', true],
      ['bob', false],
    ],
  );
  assert.equal(
    backup.withLogin(text, 'acme', '{SHA}new'),
    '# ops\nalice:$apr1$x$y\n# aare:backup.login.acme\nacme:{SHA}new\nbob:{SHA}z\n',
  );
  assert.equal(backup.withLogin(text, 'acme', undefined), '# ops\nalice:$apr1$x$y\nbob:{SHA}z\n');
  assert.equal(backup.withLogin('', 'x', '{SHA}h'), '# aare:backup.login.x\nx:{SHA}h\n');
  assert.equal(backup.hashMatches(backup.htpasswdHash('pw'), 'pw'), true);
  assert.equal(backup.hashMatches(backup.htpasswdHash('pw'), 'other'), false);
});
