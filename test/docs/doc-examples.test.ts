// Every example in docs/*.md is checked, so that the docs and Aare cannot drift apart. Each
// ```yaml, ```sh and ```console block carries a marker, an HTML comment on the line before it:
//
//   <!-- example: KIND -->            a whole file of that kind (aare, hiera, hiera-data, profile,
//                                     role, reseller, customer, package), checked by its schema
//   <!-- example: KIND in FILE -->    a part of one: merged over examples/demo/FILE, then checked
//   <!-- example: yaml -->            YAML of another program (Puppet, openstacksdk): it must parse
//   <!-- example: run -->             each command runs in a copy of examples/demo, offline, and
//                                     exits 0 (or `# exit N` at the end of its line); in a console
//                                     block, the lines after a `$ command` are its exact output
//   <!-- example: lab -->             as `run`, with the lab's environment (skipped without it)
//   <!-- example: skip REASON -->     not run, for the reason given
//
// A block without a marker fails the test: a new example is checked or says why not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { parse, parseDocument } from 'yaml';
import { fileKinds, PROVIDER_KEY_PATH } from '../../src/model/index.js';
import type { FileKind } from '../../src/model/index.js';

const root = resolve(import.meta.dirname, '../..');
const docsDir = join(root, 'docs');

interface Example {
  doc: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  marker: string | undefined;
  body: string;
}

function examplesOf(doc: string): Example[] {
  const lines = readFileSync(join(docsDir, doc), 'utf8').split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const lang = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    const marker = /^\s*<!--\s*example:\s*(.*?)\s*-->\s*$/.exec(lines[i - 1] ?? '')?.[1];
    out.push({ doc, line: i + 1, lang, marker, body: body.join('\n') + '\n' });
    i = j;
  }
  return out;
}

const docs = readdirSync(docsDir).filter((f) => f.endsWith('.md'));
const examples = docs.flatMap(examplesOf).filter((e) => ['yaml', 'sh', 'console'].includes(e.lang));
const where = (e: Example) => `docs/${e.doc}:${e.line}`;

test('every yaml, sh and console block in docs/ carries an example marker', () => {
  const unmarked = examples.filter((e) => e.marker === undefined).map(where);
  assert.deepEqual(unmarked, [], 'add <!-- example: ... --> before these blocks');
  const skipped = examples.filter((e) => e.marker?.startsWith('skip'));
  for (const e of skipped) assert.match(e.marker!, /^skip \S.{10,}/, `${where(e)}: a skip says why`);
  // the skip list stays small: most examples run (each skip needs a peer a doc check cannot start,
  // such as an upstream mirror or an OpenID Connect provider, and names the test that runs it)
  assert.ok(skipped.length <= 8, `${skipped.length} skipped examples: ${skipped.map(where).join(', ')}`);
});

test('docs name the signing key by the path aare serve serves it at', () => {
  const named = docs.flatMap((d) =>
    [...readFileSync(join(docsDir, d), 'utf8').matchAll(/\/keys\/RPM-GPG-KEY-[\w<>-]+/g)].map((m) => m[0]),
  );
  assert.ok(named.length > 0);
  assert.deepEqual([...new Set(named)], [PROVIDER_KEY_PATH]);
});

describe('YAML examples match their schema', () => {
  for (const e of examples.filter((x) => x.lang === 'yaml' && !x.marker?.startsWith('skip'))) {
    test(`${where(e)} (${e.marker})`, () => {
      const doc = parseDocument(e.body);
      assert.deepEqual(
        doc.errors.map((x) => x.message),
        [],
        `${where(e)}: not YAML`,
      );
      const m = /^([\w-]+)(?: in (\S+))?$/.exec(e.marker ?? '');
      assert.ok(m, `${where(e)}: unknown marker '${e.marker}'`);
      const [, kind, file] = m;
      if (kind === 'yaml') return;
      assert.ok(kind! in fileKinds, `${where(e)}: no file kind '${kind}'`);
      let value = doc.toJSON() as unknown;
      if (file) value = mergeDeep(parse(readFileSync(join(root, 'examples/demo', file), 'utf8')), value);
      const r = fileKinds[kind as FileKind].safeParse(value);
      assert.ok(
        r.success,
        `${where(e)}: not a valid ${kind} file: ${r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    });
  }
});

describe('command examples run', () => {
  const labEnv = process.env.OS_CLIENT_CONFIG_FILE && process.env.AARE_LAB_KEYSTONE;
  for (const e of examples.filter((x) => x.lang === 'sh' || x.lang === 'console')) {
    const marker = e.marker ?? '';
    if (marker.startsWith('skip')) continue;
    const skip =
      marker === 'lab' && !labEnv ? 'needs the lab (eval "$(aare lab env)")' : marker === 'run' || marker === 'lab' ? false : `unknown marker '${marker}'`;
    test(`${where(e)} (${marker})`, { skip }, () => {
      const sandbox = mkdtempSync(join(tmpdir(), 'aare-doc-example-'));
      const demo = join(sandbox, 'examples/demo');
      cpSync(join(root, 'examples/demo'), demo, { recursive: true });
      // `aare` on PATH is this checkout's
      const bin = join(sandbox, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'aare'), `#!/bin/sh\nexec node ${JSON.stringify(join(root, 'bin/aare.mjs'))} "$@"\n`);
      chmodSync(join(bin, 'aare'), 0o755);
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, HOME: sandbox, EDITOR: 'true', VISUAL: '', NO_COLOR: '1' };
      if (marker === 'run') {
        for (const k of Object.keys(env)) if (/^(OS_|AARE_LAB_|AARE_TEST_)/.test(k)) delete env[k];
      }
      for (const step of commandsOf(e)) {
        const r = spawnSync('bash', ['-o', 'pipefail', '-c', step.command], {
          cwd: step.cwd === 'root' ? sandbox : demo,
          env,
          encoding: 'utf8',
          timeout: 60_000,
        });
        const said = `${where(e)}: \`${step.command}\`\n${r.stderr}${r.stdout}`.slice(0, 3000);
        assert.equal(r.status, step.exit, said);
        if (step.output !== undefined) assert.equal((r.stdout + r.stderr).trimEnd(), step.output.trimEnd(), said);
      }
    });
  }
});

interface Step {
  command: string;
  exit: number;
  output?: string;
  /** `cd examples/demo` in the block: commands before it run in the sandbox root. */
  cwd: 'root' | 'demo';
}

/** The commands of a sh or console block, with the exit code each states and the output it shows. */
function commandsOf(e: Example): Step[] {
  const steps: Step[] = [];
  const lines = e.body.replace(/\\\n\s*/g, ' ').split('\n');
  const console = e.lang === 'console';
  let cwd: Step['cwd'] = e.body.includes('cd examples/demo') ? 'root' : 'demo';
  for (const raw of lines) {
    if (console && !raw.startsWith('$ ')) {
      const last = steps.at(-1);
      if (last && raw !== '') last.output = (last.output ?? '') + raw + '\n';
      continue;
    }
    const line = console ? raw.slice(2) : raw;
    if (line.trim() === '') continue;
    const exit = /#.*\bexit (\d+)/.exec(line)?.[1];
    const command = line.replace(/\s+#.*$/, '').trim();
    if (command === 'cd examples/demo') {
      cwd = 'demo';
      continue;
    }
    steps.push({ command, exit: exit ? Number(exit) : 0, cwd, ...(console ? { output: '' } : {}) });
  }
  return steps;
}

function mergeDeep(a: unknown, b: unknown): unknown {
  if (!isRecord(a) || !isRecord(b)) return b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = mergeDeep(out[k], v);
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
