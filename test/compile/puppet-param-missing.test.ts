// An Optional parameter without a value and without a default: Aare reports PARAM_MISSING, and
// the real Puppet 7 refuses the same class declaration (docs/desired-state.md, "How parameters
// are resolved"): Optional allows undef as a value, it does not make the parameter optional.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileAll } from '../../src/compile/index.js';
import { loadControlRepo } from '../../src/model/index.js';
import { puppetAvailable } from './puppet-harness.js';

const small = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/small-repo');

test('Aare: an Optional parameter with neither value nor default is PARAM_MISSING at its declaration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aare-optional-'));
  cpSync(small, dir, { recursive: true });
  const profile = join(dir, 'profiles/web.yaml');
  const text = readFileSync(profile, 'utf8');
  const edited = text.replace(
    '    type: Optional[String[1]]\n    default: ~\n',
    '    type: Optional[String[1]]\n',
  );
  assert.notEqual(edited, text);
  writeFileSync(profile, edited);
  const r = compileAll(loadControlRepo(dir).value);
  const missing = r.diagnostics.filter((d) => d.code === 'PARAM_MISSING');
  assert.ok(missing.length > 0);
  assert.ok(
    missing.every((d) => d.source?.file.endsWith('profiles/web.yaml') && /admin_email/.test(d.summary)),
  );
});

test(
  'real Puppet 7: the same class without a value for the Optional parameter is refused',
  { skip: puppetAvailable() },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'aare-optional-puppet-'));
    const flags = ['confdir', 'codedir', 'vardir', 'logdir', 'rundir'].flatMap((d) => [
      `--${d}`,
      join(dir, d),
    ]);
    const r = spawnSync(
      'puppet',
      [
        'apply',
        ...flags,
        '--color',
        'false',
        '--noop',
        '--execute',
        'class profile::web(Optional[String[1]] $admin_email) {}\ninclude profile::web',
      ],
      { encoding: 'utf8' },
    );
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /Class\[Profile::Web\]: expects a value for parameter 'admin_email'/);
  },
);
