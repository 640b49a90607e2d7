// No generated secret leaks: `aare plan`, `aare plan --json` and `aare backup status --json` on a
// copy of the demo (with the lab's backup server) print neither the login nor the repository
// passwords, which the test derives from the state's master key itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGeneratedSecrets, masterKeyWrap } from '../../../src/app/generated-secrets.js';
import { openStore } from '../../../src/store/index.js';

const root = join(import.meta.dirname, '../../..');
const labSkip =
  process.env.AARE_LAB_BACKUP_HTPASSWD &&
  process.env.OS_CLIENT_CONFIG_FILE &&
  process.env.AARE_LAB_DNS_API_KEY
    ? false
    : 'needs the lab (backup, OpenStack, DNS): run `eval "$(aare lab env)"`';

test(
  'no generated backup secret in plan, plan --json or backup status output',
  { skip: labSkip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aare-backup-leak-'));
    cpSync(join(root, 'examples/demo'), dir, { recursive: true, filter: (src) => !src.includes('/.aare') });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AARE_STATE_DIR: join(dir, '.aare'),
      AARE_OPENSTACK_PREFIX: `b${Date.now().toString(36)}-`,
    };
    delete env.AARE_DATABASE_URL;
    const aare = (...args: string[]) =>
      spawnSync(process.execPath, [join(root, 'bin/aare.mjs'), ...args, '-C', dir], {
        env,
        encoding: 'utf8',
      });
    try {
      const outputs = [
        aare('plan', '--customer', 'velo-club-biel'),
        aare('plan', '--customer', 'velo-club-biel', '--json'),
        aare('backup', 'status', '--customer', 'velo-club-biel', '--json'),
        aare('backup', 'server-config', '--customer', 'velo-club-biel'),
      ];
      assert.equal(outputs[0]!.status, 0, outputs[0]!.stderr);
      assert.match(outputs[0]!.stdout, /backup\.repository\.velo-club-biel\/test/);
      assert.match(outputs[1]!.stdout, /backup\.login\.velo-club-biel/);
      const store = await openStore({ sqlitePath: join(dir, '.aare', 'state.db') });
      const secrets = await loadGeneratedSecrets(store, masterKeyWrap(join(dir, '.aare'), {}));
      await store.close();
      const forbidden = [
        secrets.backupLoginPassword('velo-club-biel'),
        secrets.backupRepositoryPassword('velo-club-biel', 'test'),
        secrets.backupRepositoryPassword('velo-club-biel', 'production'),
      ];
      for (const o of outputs) {
        for (const s of forbidden) {
          assert.ok(!o.stdout.includes(s) && !o.stderr.includes(s), 'a generated secret was printed');
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
