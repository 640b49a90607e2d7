// The contract every command keeps, walked over the commander program itself so that a command
// added later is held to it too: --help exits 0 and prints no escape codes into a pipe; a wrong
// flag is a usage error (exit 2) in the one diagnostic style, as JSON on stdout with --json; every
// listing has --json, with camelCase field names; colours only on a terminal and never with
// NO_COLOR; tables fit the terminal; lookup prints YAML like `puppet lookup`; compile --all --json
// is NDJSON; the completion scripts load; a reader closing the pipe early ends the command quietly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/cli-program.js';
import { commandOf } from '../../src/cli/cli-program.js';

const root = resolve(import.meta.dirname, '../..');
// colours are decided by the environment: the tests start from one without a say in it
const { NO_COLOR: _n, FORCE_COLOR: _f, CI: _c, ...plainEnv } = process.env;
const aare = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync('node', [join(root, 'bin/aare.mjs'), ...args], {
    cwd: join(root, 'examples/demo'),
    encoding: 'utf8',
    env: { ...plainEnv, ...env },
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
const SGR = /\x1b\[[0-9;]*m/g; // eslint-disable-line no-control-regex

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

// What lists or shows something: by the command's name, so that a new listing is held to it.
const LISTING =
  /^(list|show|state|status|distributions|snapshots|versions|packages|records|diff|calendar|audit|lookup|compile)$/;

test('every listing and show command has --json', () => {
  const program = buildProgram();
  // a group (`aare state`) only holds its subcommands, which are held to it themselves
  const listings = walk(program).filter(
    (path) => LISTING.test(path.at(-1) ?? '') && commandOf(program, path).commands.length === 0,
  );
  assert.ok(listings.length >= 15, `found ${listings.length} listings`);
  const missing = listings.filter(
    (path) => !commandOf(program, path).options.some((o) => o.long === '--json'),
  );
  assert.deepEqual(
    missing.map((p) => ['aare', ...p].join(' ')),
    [],
    'listings without --json',
  );
});

/** The field names of a listing's records: the top-level object's, or its arrays' elements'. */
function fieldNames(v: unknown): string[] {
  const objects = (x: unknown): Record<string, unknown>[] =>
    Array.isArray(x)
      ? x.filter((e) => typeof e === 'object' && e !== null)
      : typeof x === 'object' && x
        ? [x as Record<string, unknown>]
        : [];
  return objects(v).flatMap((o) => [
    ...Object.keys(o),
    ...Object.values(o).flatMap((f) => (Array.isArray(f) ? objects(f).flatMap((e) => Object.keys(e)) : [])),
  ]);
}

test('JSON of listings: camelCase fields; compile --all --json is NDJSON; lookup --json', (t) => {
  const demo = mkdtempSync(join(tmpdir(), 'aare-cli-fields-'));
  t.after(() => rmSync(demo, { recursive: true, force: true }));
  cpSync(join(root, 'examples/demo'), demo, { recursive: true, filter: (src) => !src.includes('/.aare') });
  for (const listing of [['show'], ['show', 'vms'], ['window', 'list'], ['release', 'list']]) {
    const r = aare([...listing, '--json', '-C', demo]);
    assert.equal(r.status, 0, r.stderr);
    const fields = fieldNames(JSON.parse(r.stdout));
    for (const f of fields) assert.match(f, /^[a-z][a-zA-Z0-9]*$/, `${listing.join(' ')}: field ${f}`);
  }
  const help = aare(['compile', '--help']);
  assert.match(help.stdout, /NDJSON/);
  const ndjson = aare(['compile', '--all', '--json', '-C', demo]);
  assert.equal(ndjson.status, 0, ndjson.stderr);
  const lines = ndjson.stdout.trimEnd().split('\n');
  assert.ok(lines.length > 10);
  for (const line of lines) assert.equal(typeof (JSON.parse(line) as { address: string }).address, 'string');
  const wrongFormat = aare(['compile', '--all', '--json', '--format', 'enc', '-C', demo]);
  assert.equal(wrongFormat.status, 2);
  assert.equal(JSON.parse(wrongFormat.stdout).errors[0].code, 'USAGE');

  const key = 'profile::monitoring_agent::server';
  const vm = ['--vm', 'muster-ag/production/web1', '-C', demo];
  assert.equal(JSON.parse(aare(['lookup', key, '--json', ...vm]).stdout), 'monitor.cloud.example.ch');
  const missing = aare(['lookup', 'no::such::key', '--json', ...vm]);
  assert.equal(missing.status, 1);
  assert.equal(JSON.parse(missing.stdout).errors[0].code, 'HIERA_NOT_FOUND');
});

test('lookup prints YAML as `puppet lookup` does, JSON with --render-as json or --json', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-cli-lookup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'hiera.yaml'), 'version: 5\nhierarchy:\n  - name: common\n    path: common.yaml\n');
  writeFileSync(join(dir, 'facts.json'), '{}');
  const data = join(dir, 'data');
  mkdirSync(data);
  writeFileSync(
    join(data, 'common.yaml'),
    "port: 8080\nname: foo\nflag: 'yes'\nempty: []\nh:\n  a: 1\n  b: [x, y]\n",
  );
  const lookup = (key: string, ...more: string[]) =>
    aare(['lookup', key, '--config', join(dir, 'hiera.yaml'), '--facts', join(dir, 'facts.json'), ...more]);
  // the bytes Puppet 7 (Psych) prints for these values
  const expected: Record<string, string> = {
    port: '--- 8080\n',
    name: '--- foo\n',
    flag: '--- "yes"\n',
    empty: '--- []\n',
    h: '---\na: 1\nb:\n- x\n- "y"\n',
  };
  for (const [key, yaml] of Object.entries(expected)) {
    const r = lookup(key);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, yaml, key);
  }
  assert.equal(lookup('port', '--render-as', 'json').stdout, '8080\n');
  assert.deepEqual(JSON.parse(lookup('h', '--json').stdout), { a: 1, b: ['x', 'y'] });
  // Puppet's contract: a value not found is an exit status and a message on stderr
  const notFound = lookup('nope', '--render-as', 'json');
  assert.equal(notFound.status, 1);
  assert.equal(notFound.stdout, '');
  assert.match(notFound.stderr, /^error HIERA_NOT_FOUND: /);
});

const hasScript = spawnSync('script', ['--version']).status === 0;

test(
  'colours: on a terminal only, never with NO_COLOR; tables fit the terminal',
  { skip: !hasScript && 'no script(1) for a terminal' },
  () => {
    const inTerminal = (cols: number, env: Record<string, string> = {}) =>
      spawnSync(
        'script',
        ['-qec', `stty cols ${cols}; node ${join(root, 'bin/aare.mjs')} show vms`, '/dev/null'],
        {
          cwd: join(root, 'examples/demo'),
          encoding: 'utf8',
          env: { ...plainEnv, TERM: 'xterm', ...env },
        },
      );
    const tty = inTerminal(72);
    assert.equal(tty.status, 0, tty.stdout);
    assert.match(tty.stdout, ESC, 'the table head is coloured on a terminal');
    const lines = tty.stdout.replace(SGR, '').split(/\r?\n/).filter(Boolean);
    for (const line of lines) assert.ok([...line].length <= 72, `wider than the terminal: ${line}`);
    assert.ok(
      lines.some((l) => l.includes('bergbahn-ag/')),
      'long cells are wrapped, not dropped',
    );

    assert.doesNotMatch(inTerminal(72, { NO_COLOR: '1' }).stdout, ESC, 'NO_COLOR=1 on a terminal');
    const piped = aare(['show', 'vms'], { CI: 'true' });
    assert.equal(piped.status, 0);
    assert.doesNotMatch(piped.stdout, ESC, 'a pipe, even under CI');
    assert.ok(
      piped.stdout.split('\n').some((l) => l.includes('app1.production.bergbahn-ag.cloud.example.ch')),
      'a pipe keeps whole rows',
    );
    assert.match(aare(['show', 'vms'], { FORCE_COLOR: '1' }).stdout, ESC, 'FORCE_COLOR asks for colours');
    assert.doesNotMatch(aare(['show', 'vms'], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout, ESC);
  },
);

const shellMissing = (shell: string) =>
  spawnSync(shell, ['--version']).error ? `${shell} is not installed` : false;

/** The completion script for `shell`, in a file (a child's stdin is a socket, not a file). */
function completionFile(t: { after(fn: () => void): void }, shell: string): string {
  const script = aare(['completion', shell]);
  assert.equal(script.status, 0, script.stderr);
  const dir = mkdtempSync(join(tmpdir(), 'aare-completion-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, `aare.${shell}`), script.stdout);
  return join(dir, `aare.${shell}`);
}

test('completion: bash loads it and completes commands and options', { skip: shellMissing('bash') }, (t) => {
  const file = completionFile(t, 'bash');
  const complete = (line: string) =>
    spawnSync(
      'bash',
      [
        '-c',
        'set -e; source "$FILE"; complete -p aare; read -ra COMP_WORDS <<< "$LINE"; ' +
          'COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _aare; echo "${COMPREPLY[*]}"',
      ],
      { encoding: 'utf8', env: { ...plainEnv, FILE: file, LINE: line } },
    );
  const r = complete('aare repo l');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'complete -o default -F _aare aare\nlist\n');
  assert.equal(complete('aare re').stdout.split('\n')[1], 'repo release');
  assert.equal(complete('aare repo list --j').stdout.split('\n')[1], '--json');
  assert.equal(aare(['completion', 'tcsh']).status, 2);
});

for (const shell of ['zsh', 'fish']) {
  test(`completion: the ${shell} script parses`, { skip: shellMissing(shell) }, (t) => {
    const checked = spawnSync(shell, ['-n', completionFile(t, shell)], { encoding: 'utf8' });
    assert.equal(checked.status, 0, `${shell} -n: ${checked.stderr}`);
  });
}

test('completion: fish completes from the script', { skip: shellMissing('fish') }, () => {
  const r = spawnSync(
    'fish',
    ['-c', 'source (node $AARE completion fish | psub); complete -C "aare repo l"'],
    {
      encoding: 'utf8',
      env: { ...plainEnv, AARE: join(root, 'bin/aare.mjs') },
    },
  );
  assert.match(r.stdout, /^list\t/m, r.stderr);
});
