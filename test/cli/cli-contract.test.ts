// The contract every command keeps, walked over the commander program itself so that a command
// added later is held to it too: --help exits 0 and prints no escape codes into a pipe; a wrong
// flag is a usage error (exit 2) in the one diagnostic style, as JSON on stdout with --json;
// a reader closing the pipe early ends the command quietly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/cli-program.js';

const root = resolve(import.meta.dirname, '../..');
const aare = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync('node', [join(root, 'bin/aare.mjs'), ...args], {
    cwd: join(root, 'examples/demo'),
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

function walk(cmd: Command, path: string[] = []): string[][] {
  return [
    path,
    ...cmd.commands.filter((c) => c.name() !== 'help').flatMap((c) => walk(c, [...path, c.name()])),
  ];
}

const ESC = /\x1b\[/; // eslint-disable-line no-control-regex

test('every command: --help, a wrong flag, no escape codes in a pipe', () => {
  const paths = walk(buildProgram());
  assert.ok(paths.length > 20, `walked ${paths.length} commands`);
  for (const path of paths) {
    const name = ['aare', ...path].join(' ');
    const help = aare([...path, '--help']);
    assert.equal(help.status, 0, `${name} --help: ${help.stderr}`);
    assert.match(help.stdout, /^Usage: aare/, name);
    assert.doesNotMatch(help.stdout + help.stderr, ESC, `${name} --help prints escape codes into a pipe`);
    const noColor = aare([...path, '--help'], { NO_COLOR: '1' });
    assert.doesNotMatch(noColor.stdout, ESC, `${name} --help with NO_COLOR=1`);

    const wrong = aare([...path, '--no-such-flag']);
    assert.equal(wrong.status, 2, `${name} --no-such-flag: ${wrong.stderr}`);
    // commander checks required options first: either is a usage error in the one style
    assert.match(
      wrong.stderr,
      /^error USAGE: (unknown option '--no-such-flag'|required option .*)\n {2}hint: see '.*'\n$/,
      name,
    );
    assert.ok(wrong.stderr.endsWith(`see '${name} --help'\n`), name);
    assert.equal(wrong.stdout, '', name);
  }
});

test('usage errors of commander and of actions look the same, and --json answers in JSON', (t) => {
  const missing = aare(['repo', 'distribute']);
  assert.equal(missing.status, 2);
  assert.equal(
    missing.stderr,
    "error USAGE: missing required argument 'customer'\n  hint: see 'aare repo distribute --help'\n",
  );
  const unknownCommand = aare(['nosuchcommand']);
  assert.equal(unknownCommand.status, 2);
  assert.match(
    unknownCommand.stderr,
    /^error USAGE: unknown command 'nosuchcommand'\n {2}hint: see 'aare --help'\n$/,
  );

  const dir = mkdtempSync(join(tmpdir(), 'aare-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const missingDir = join(dir, 'missing');
  for (const cmd of [['validate'], ['repo', 'list']]) {
    const noDir = aare([...cmd, '-C', missingDir]);
    assert.equal(noDir.status, 2);
    assert.equal(
      noDir.stderr,
      `error USAGE: --control-repo ${missingDir}: no such directory\n  hint: see 'aare ${cmd.join(' ')} --help'\n`,
    );
  }
  assert.equal(existsSync(missingDir), false, 'nothing was written');
  const json = aare(['repo', 'diff', 'nosuch', 'one', '2', '--json', '-C', dir]);
  assert.equal(json.stderr, '');
  assert.equal(json.status, 2);
  assert.deepEqual(JSON.parse(json.stdout), {
    errors: [
      {
        severity: 'error',
        code: 'USAGE',
        summary: "V1 must be a version number, got 'one'",
        hint: "see 'aare repo diff --help'",
      },
    ],
  });
  const notFound = aare(['repo', 'versions', 'nosuch', '--json', '-C', dir]);
  assert.equal(notFound.status, 1);
  assert.equal(JSON.parse(notFound.stdout).errors[0].code, 'NOT_FOUND');
  const flag = aare(['repo', 'list', '--json', '--bogus']);
  assert.equal(flag.status, 2);
  assert.equal(JSON.parse(flag.stdout).errors[0].code, 'USAGE');
});

test('listings that need no lab answer --json with JSON', (t) => {
  const demo = mkdtempSync(join(tmpdir(), 'aare-cli-demo-'));
  t.after(() => rmSync(demo, { recursive: true, force: true }));
  cpSync(join(root, 'examples/demo'), demo, { recursive: true, filter: (src) => !src.includes('/.aare') });
  const listings = [
    ['show'],
    ['repo', 'list'],
    ['repo', 'distributions'],
    ['repo', 'snapshots'],
    ['window', 'list'],
    ['audit'],
    ['release', 'list'],
  ];
  for (const listing of listings) {
    const r = aare([...listing, '--json', '-C', demo]);
    assert.equal(r.status, 0, `${listing.join(' ')}: ${r.stderr}`);
    assert.doesNotThrow(() => JSON.parse(r.stdout), listing.join(' '));
  }
});

test('a reader that closes the pipe early ends the command quietly', () => {
  const r = spawnSync(
    'sh',
    ['-c', `node ${join(root, 'bin/aare.mjs')} compile --all | head -c 100 >/dev/null`],
    {
      cwd: join(root, 'examples/demo'),
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '', 'no stack trace');
});
