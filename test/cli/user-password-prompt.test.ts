// `aare user add --password-stdin` on a real terminal (a pseudo-terminal from Python's pty
// module) prompts on stderr and reads without echo; piped, it prints no prompt.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { demoCopy, root } from '../release/release-helpers.js';

const password = 'correct-horse-battery';

// Waits for the prompt before typing, so nothing is typed while the terminal still echoes.
const ptyScript = `
import json, os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
def read_until(marker):
    out = b""
    while marker not in out:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out
before = read_until(b"Password for alice: ")
os.write(fd, os.environ["TYPED"].encode() + b"\\r")
after = read_until(b"\\x00never")
_, status = os.waitpid(pid, 0)
print(json.dumps({"before": before.decode(), "after": after.decode(), "status": os.waitstatus_to_exitcode(status)}))
`;

function env(state: string) {
  return { ...process.env, AARE_STATE_DIR: state, AARE_DATABASE_URL: '', NO_COLOR: '1' };
}

test('on a terminal: a prompt, and the password is not echoed', { timeout: 60_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-user-tty-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = demoCopy(join(dir, 'control'));
  const r = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      ptyScript,
      process.execPath,
      join(root, 'bin/aare.mjs'),
      'user',
      'add',
      'alice',
      '--password-stdin',
    ],
    { cwd: repo, encoding: 'utf8', env: { ...env(join(dir, 'state')), TYPED: password } },
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { before: string; after: string; status: number };
  assert.equal(out.status, 0, out.before + out.after);
  assert.match(out.before, /Password for alice: $/);
  assert.doesNotMatch(out.after, new RegExp(password));
  assert.match(out.after, /user alice added/);
});

test('piped: no prompt', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-user-pipe-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const repo = demoCopy(join(dir, 'control'));
  const r = spawnSync(
    process.execPath,
    [join(root, 'bin/aare.mjs'), 'user', 'add', 'bob', '--password-stdin'],
    { cwd: repo, encoding: 'utf8', input: `${password}\n`, env: env(join(dir, 'state')) },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'user bob added\n');
});
