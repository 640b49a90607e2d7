// Puppet 7 itself is the oracle: fixtures/conformance.json holds, for every case, the messages
// Puppet's TypeMismatchDescriber gives when the value is passed to a class parameter of that type
// (recorded by fixtures/record-puppet.rb). Aare must say the same, word for word, except where a
// case records a deliberate difference (`aare`, with a note saying why).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { formatType, parseType, typeMismatches, type PType } from './index.js';

interface Case {
  type: string;
  value: unknown;
  puppet: string[] | { parseError: string };
  aare?: string[];
  note?: string;
}

const fixtureFile = fileURLToPath(new URL('./fixtures/conformance.json', import.meta.url));
interface Format {
  type: string;
  puppet: string | { parseError: string };
  aare?: { parseError: string };
  note?: string;
}

const fixture = JSON.parse(readFileSync(fixtureFile, 'utf8')) as {
  aliases: Record<string, string>;
  cases: Case[];
  formats: Format[];
};

function parsed(text: string): PType {
  const r = parseType(text);
  assert.deepEqual(r.errors, [], `parse ${text}`);
  return r.type as PType;
}

const aliases = new Map(Object.entries(fixture.aliases).map(([name, text]) => [name, parsed(text)]));

describe('agrees with Puppet 7 on every recorded case', () => {
  for (const c of fixture.cases) {
    test(`${c.type} <- ${JSON.stringify(c.value)}`, () => {
      if (!Array.isArray(c.puppet)) {
        assert.notDeepEqual(parseType(c.type).errors, [], `Puppet refuses ${c.type}: ${c.puppet.parseError}`);
        return;
      }
      assert.deepEqual(typeMismatches(parsed(c.type), c.value, aliases), c.aare ?? c.puppet);
    });
  }
});

describe('parses and spells types as Puppet 7 does', () => {
  for (const f of fixture.formats) {
    test(f.type, () => {
      const r = parseType(f.type);
      const expected = f.aare ?? f.puppet;
      if (typeof expected === 'string') {
        assert.deepEqual(r.errors, []);
        assert.equal(formatType(r.type as PType), expected);
      } else {
        assert.notDeepEqual(r.errors, [], `Puppet refuses it too: ${expected.parseError}`);
      }
    });
  }
});

test('the recorded answers are what the installed Puppet says', async (t) => {
  const run = promisify(execFile);
  try {
    await run('ruby', ['-e', 'require "puppet"']);
  } catch {
    t.skip('Puppet is not installed (the lab installs it: lab/packages/puppet-types.txt)');
    return;
  }
  const script = fileURLToPath(new URL('./fixtures/record-puppet.rb', import.meta.url));
  const { stdout } = await run('ruby', [script, fixtureFile], { maxBuffer: 16 << 20 });
  const live = JSON.parse(stdout) as { cases: Case['puppet'][]; formats: Format['puppet'][] };
  assert.deepEqual(
    live.cases,
    fixture.cases.map((c) => c.puppet),
  );
  assert.deepEqual(
    live.formats,
    fixture.formats.map((f) => f.puppet),
  );
});
