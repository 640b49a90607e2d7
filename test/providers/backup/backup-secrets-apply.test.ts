// No generated secret leaks through a real apply either: `aare apply` and `aare destroy
// --delete-backups` of one demo customer environment (OpenStack under a run prefix, a backup
// server of the test's own so the lab's logins stay untouched) print neither password, and no file
// in the state directory holds one (the state keeps only the master key they derive from). The
// servers' user-data at Nova does carry them, filled in: that is where they belong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../../free-port.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { loadGeneratedSecrets, masterKeyWrap } from '../../../src/app/generated-secrets.js';
import { openStore } from '../../../src/store/index.js';
import { openstack } from '../../../src/providers/index.js';

const root = join(import.meta.dirname, '../../..');
const labSkip =
  process.env.OS_CLIENT_CONFIG_FILE && process.env.AARE_LAB_BACKUP
    ? spawnSync('rclone', ['version']).status === 0
      ? false
      : 'rclone not installed (lab/packages/backup.txt)'
    : 'needs the lab (OpenStack, backup): run `eval "$(aare lab env)"`';

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`rclone exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`rclone did not listen on ${port}`);
}

/** Every file under dir (the state directory, compiled output), as text. */
function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) {
      const path = join(e.parentPath, e.name);
      out.push({ path, text: readFileSync(path).toString('latin1') });
    }
  }
  return out;
}

test(
  'no generated backup secret in apply or destroy output, nor in the state directory',
  { skip: labSkip, timeout: 600_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'aare-backup-apply-leak-'));
    const server = join(dir, '.backup-server');
    mkdirSync(join(server, 'repos'), { recursive: true });
    writeFileSync(join(server, 'htpasswd'), '');
    const port = await freePort();
    const rclone = spawn(
      'rclone',
      [
        'serve',
        'restic',
        join(server, 'repos'),
        '--addr',
        `127.0.0.1:${port}`,
        '--htpasswd',
        join(server, 'htpasswd'),
        '--private-repos',
        '--cache-objects=false',
      ],
      { stdio: 'ignore', env: { ...process.env, HOME: server, RCLONE_CONFIG: join(server, 'rclone.conf') } },
    );
    t.after(() => {
      rclone.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    });
    await waitForPort(port, rclone);

    const repo = join(dir, 'repo');
    cpSync(join(root, 'examples/demo'), repo, { recursive: true, filter: (src) => !src.includes('/.aare') });
    const file = join(repo, 'aare.yaml');
    const doc = parseDocument(readFileSync(file, 'utf8'));
    // no DNS: the lab's zones are shared with other tests that apply the demo's names
    doc.deleteIn(['endpoints', 'dns']);
    doc.setIn(
      ['endpoints', 'backup'],
      doc.createNode({ url: `http://127.0.0.1:${port}`, htpasswd: join(server, 'htpasswd') }),
    );
    writeFileSync(file, doc.toString());

    const state = join(dir, 'state');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AARE_STATE_DIR: state,
      AARE_OPENSTACK_PREFIX: `leak${process.pid}${Date.now().toString(36)}-`,
    };
    delete env.AARE_DATABASE_URL;
    const aare = (...args: string[]) =>
      spawnSync(process.execPath, [join(root, 'bin/aare.mjs'), ...args, '-C', repo], {
        env,
        encoding: 'utf8',
      });

    const scope = ['--customer', 'velo-club-biel', '--env', 'test'];
    const apply = aare('apply', ...scope, '--yes');
    const outputs = [apply];
    try {
      assert.equal(apply.status, 0, apply.stdout + apply.stderr);
      assert.match(apply.stdout, /backup\.repository\.velo-club-biel\/test/);
      outputs.push(
        aare('plan', ...scope, '--json'),
        aare('backup', 'status', '--customer', 'velo-club-biel', '--json'),
      );
      // the secrets did reach the VMs: Nova holds user-data with them filled in
      const store = await openStore({ sqlitePath: join(state, 'state.db') });
      const delivered = await loadGeneratedSecrets(store, masterKeyWrap(state, {}));
      await store.close();
      const client = openstack.openStackClientFromEnv({ env: process.env });
      const servers = (await openstack.listServers(client, { allTenants: true })).filter((s) =>
        s.name.startsWith(env.AARE_OPENSTACK_PREFIX!),
      );
      assert.ok(servers.length > 0, 'the apply made servers');
      for (const s of servers) {
        const userData = Buffer.from(s['OS-EXT-SRV-ATTR:user_data'] ?? '', 'base64').toString('utf8');
        assert.ok(userData.includes(delivered.backupRepositoryPassword('velo-club-biel', 'test')), s.name);
        assert.ok(!userData.includes('@@AARE_SECRET_'), `${s.name}: a token was sent unfilled`);
      }
    } finally {
      const destroy = aare('destroy', ...scope, '--delete-backups', '--yes');
      outputs.push(destroy);
      assert.equal(destroy.status, 0, destroy.stdout + destroy.stderr);
    }

    const store = await openStore({ sqlitePath: join(state, 'state.db') });
    const secrets = await loadGeneratedSecrets(store, masterKeyWrap(state, {}));
    await store.close();
    const forbidden = [
      secrets.backupLoginPassword('velo-club-biel'),
      secrets.backupRepositoryPassword('velo-club-biel', 'test'),
    ];
    for (const o of outputs) {
      for (const s of forbidden) {
        assert.ok(!o.stdout.includes(s) && !o.stderr.includes(s), 'a generated secret was printed');
      }
    }
    for (const f of filesUnder(state)) {
      for (const s of forbidden) assert.ok(!f.text.includes(s), `a generated secret is in ${f.path}`);
    }
  },
);
