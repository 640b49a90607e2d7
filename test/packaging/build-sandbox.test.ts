// A customer's spec is hostile: its %install looks for the provider's signing key and secrets
// everywhere a build could once reach them (the parent's working directory through /proc, $HOME,
// the environment, the state directory and the control repository by absolute path, another
// customer's sources) and writes what it found into its own package and the build log. Built in
// the sandbox, the package still builds and carries none of it; built with the sandbox turned off
// the same spec does reach the key (so the test can tell). A spec that produces a package under a
// name its package definition does not declare is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath } from '../../src/diag/index.js';
import { buildPackage } from '../../src/packaging/index.js';
import type { BuildContext, PackageDef } from '../../src/packaging/index.js';
import { openRepoService, readPublicKeys } from '../../src/repo/index.js';
import { openStore } from '../../src/store/index.js';
import { testKey } from '../repo/rpm-fixtures.js';

function skipReason(): string | false {
  for (const tool of ['rpmbuild', 'bwrap', 'rpm2archive', 'git']) {
    if (!findOnPath(tool)) return `${tool} is not installed (apt-get install -y rpm bubblewrap git)`;
  }
  const probe = spawnSync('bwrap', ['--unshare-user', '--ro-bind', '/', '/', 'true'], { encoding: 'utf8' });
  if (probe.status !== 0) return `bwrap cannot create namespaces here: ${probe.stderr.trim()}`;
  return false;
}

const source = { file: 'packages/x.yaml', start: { line: 1, col: 1 } };

/** The attack: every place a secret could be, written to found.txt (packaged) and to the log. */
function hostileSpec(name: string, stateDir: string, root: string): string {
  return `Name: ${name}
Version: %{aare_version}
Release: 1
Summary: hostile
License: none
Source0: %{name}-%{version}.tar.gz
BuildArch: noarch

%description
hostile

%prep
%setup -q

%install
set +e
mkdir -p %{buildroot}/usr/share/${name}
f=%{buildroot}/usr/share/${name}/found.txt
{
  echo "ran as uid $(id -u)"
  echo "--- env"; env
  echo "--- home $HOME"; ls -la "$HOME"; cat "$HOME"/.aare/* "$HOME"/.gnupg/* 2>&1
  echo "--- parent"; cat /proc/$PPID/cwd/.aare/signing-key.asc /proc/$PPID/cwd/.aare/secret-marker 2>&1
  for p in /proc/[0-9]*; do
    echo "--- $p"; tr '\\0' '\\n' < $p/environ 2>&1
    cat $p/cwd/.aare/secret-marker $p/cwd/.aare/signing-key.asc 2>&1
  done
  echo "--- state"; ls -la ${stateDir} ${root} 2>&1
  cat ${stateDir}/signing-key.asc ${stateDir}/secret-marker ${root}/sources/other/secret.txt 2>&1
  echo "--- shadow"; cat /etc/shadow 2>&1 | head -1
} > $f 2>&1
cat $f

%files
/usr/share/${name}
`;
}

/** The spec with a subpackage named like a system package. */
const smugglerSpec = `Name: smuggler
Version: %{aare_version}
Release: 1
Summary: declares smuggler, also builds openssl
License: none
Source0: smuggler-%{version}.tar.gz
BuildArch: noarch

%description
x

%package -n openssl
Summary: not yours

%description -n openssl
x

%prep
%setup -q

%install
mkdir -p %{buildroot}/usr/share/smuggler %{buildroot}/usr/share/fake-openssl
touch %{buildroot}/usr/share/smuggler/a %{buildroot}/usr/share/fake-openssl/b

%files
/usr/share/smuggler

%files -n openssl
/usr/share/fake-openssl
`;

function gitRepo(dir: string, files: Record<string, string>, tag: string): void {
  mkdirSync(dir, { recursive: true });
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@t',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@t',
    GIT_CONFIG_GLOBAL: '/dev/null',
  };
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { env, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  git('add', '-A');
  git('commit', '-q', '-m', tag);
  git('tag', tag);
}

/** Every file of an RPM's payload, as text. */
function payloadText(rpm: string, dir: string): string {
  mkdirSync(dir);
  execFileSync('sh', ['-c', 'rpm2archive - < "$1" | tar xzf - -C "$2"', 'sh', rpm, dir]);
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out.join('\n');
}

test(
  "a customer's spec cannot reach the provider's secrets",
  { skip: skipReason(), timeout: 300_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'aare-sandbox-test-'));
    const root = join(dir, 'control');
    const stateDir = join(root, '.aare');
    mkdirSync(stateDir, { recursive: true });
    const key = await testKey();
    const armored = key.privateKey.armor();
    // a line from the middle of the armored secret key: in any copy of the key, in no other text
    const keyLine = armored.split('\n').filter((l) => /^[A-Za-z0-9+/]{64}$/.test(l))[10]!;
    const marker = `AARE-SECRET-MARKER-${randomBytes(8).toString('hex')}`;
    const envSecret = `AARE-ENV-SECRET-${randomBytes(8).toString('hex')}`;
    const otherSecret = `OTHER-CUSTOMER-${randomBytes(8).toString('hex')}`;
    writeFileSync(join(stateDir, 'signing-key.asc'), armored);
    writeFileSync(join(stateDir, 'secret-marker'), marker);
    gitRepo(join(root, 'sources/other'), { 'secret.txt': otherSecret }, 'v1.0.0');
    gitRepo(
      join(root, 'sources/evil'),
      { 'evil.spec': hostileSpec('evil', stateDir, root), 'smuggler.spec': smugglerSpec },
      'v1.0.0',
    );

    const store = await openStore({ sqlitePath: join(stateDir, 'state.db') });
    const repo = openRepoService({
      store,
      stateDir,
      signingKey: key,
      trustedKeys: await readPublicKeys(key.publicArmored),
    });
    const ctx: BuildContext = {
      controlRepoDir: root,
      stateDir,
      store,
      repoService: repo,
      signingKey: key,
      buildSandbox: 'on',
    };
    const cwd = process.cwd();
    const saved = { ...process.env };
    // the build runs in this process, as in `aare package build`: its cwd is the control
    // repository, its environment holds secrets
    process.chdir(root);
    process.env.AARE_TEST_SECRET_TOKEN = envSecret;
    process.env.AARE_SIGNING_KEY = armored;
    t.after(async () => {
      process.chdir(cwd);
      process.env = saved;
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const def = (name: string, spec: string): PackageDef => ({
      name,
      git: { url: 'sources/evil' },
      tagPattern: '^v(\\d+\\.\\d+\\.\\d+)$',
      spec,
      repositories: ['shared'],
      source,
    });

    await t.test('in the sandbox the build works and carries no secret', async () => {
      const r = await buildPackage(ctx, def('evil', 'evil.spec'), {});
      assert.deepEqual(r.diagnostics, []);
      const built = r.value[0]!;
      assert.equal(built.status, 'built');
      const payload = payloadText(repo.artifactPath(built.sha256), join(dir, 'payload'));
      const log = readFileSync(built.logPath, 'utf8');
      assert.match(payload, /ran as uid \d+/, 'the hostile %install ran');
      assert.match(payload, /--- parent/);
      if (process.getuid?.() === 0) assert.match(payload, /ran as uid 65534/, 'unprivileged');
      for (const [what, text] of [
        ['package payload', payload],
        ['build log', log],
      ] as const) {
        assert.ok(!text.includes(keyLine), `${what}: holds the signing key`);
        assert.ok(!text.includes(marker), `${what}: holds a file of the state directory`);
        assert.ok(!text.includes(envSecret), `${what}: holds Aare's environment`);
        assert.ok(!text.includes(otherSecret), `${what}: holds another customer's source`);
        assert.doesNotMatch(text, /^root:/m, `${what}: holds /etc/shadow`);
        assert.doesNotMatch(text, /^AARE_/m, `${what}: holds an AARE_ variable`);
      }
    });

    await t.test('the same spec without the sandbox does reach the key (the test can tell)', async () => {
      gitRepo(join(dir, 'unsafe'), { 'evil.spec': hostileSpec('unsafe', stateDir, root) }, 'v1.0.0');
      const r = await buildPackage(
        { ...ctx, buildSandbox: 'off' },
        { ...def('unsafe', 'evil.spec'), git: { url: join(dir, 'unsafe') } },
        {},
      );
      assert.deepEqual(r.diagnostics, []);
      const payload = payloadText(repo.artifactPath(r.value[0]!.sha256), join(dir, 'payload-unsafe'));
      assert.ok(payload.includes(marker), 'unsandboxed, the state directory is readable');
    });

    await t.test('a package the definition does not declare is refused', async () => {
      const before = (await repo.versions('shared')).value.length;
      const r = await buildPackage(ctx, def('smuggler', 'smuggler.spec'), {});
      assert.equal(r.value.length, 0);
      assert.equal(r.diagnostics[0]?.code, 'PACKAGE_BUILD');
      assert.match(r.diagnostics[0]!.summary, /produced package 'openssl' .*does not declare/);
      assert.equal((await repo.versions('shared')).value.length, before, 'nothing uploaded');
    });
  },
);

/**
 * Runs a command as root of a new user namespace (uids and gids 0-65535 mapped to themselves) in
 * which no further user namespace can be created: a machine where bwrap cannot start. After the
 * maps are written, a second exec as the mapped root regains the namespace's capabilities.
 */
const withoutUserNamespaces = `set -eu
d=$(mktemp -d); mkfifo "$d/go"
unshare -U sh -c 'read x < "$1"; shift 2; exec sh -c "echo 0 > /proc/sys/user/max_user_namespaces && exec \\"\\$@\\"" sh "$@"' sh "$d/go" x "$@" &
pid=$!
self=$(readlink /proc/self/ns/user)
while [ "$(readlink /proc/$pid/ns/user)" = "$self" ]; do :; done
echo '0 0 65536' > /proc/$pid/uid_map
echo '0 0 65536' > /proc/$pid/gid_map
echo go > "$d/go"
rc=0; wait $pid || rc=$?
rm -rf "$d"; exit $rc
`;

const noNesting =
  skipReason() ||
  (process.getuid?.() !== 0 ? 'needs root (to map uids into a new user namespace)' : false) ||
  (findOnPath('unshare') ? false : 'unshare (util-linux) is not installed');

test(
  'without user namespaces the build stops with BUILD_SANDBOX, never unsandboxed',
  { skip: noNesting },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'aare-nons-'));
    try {
      const demo = join(dir, 'demo');
      const root = join(import.meta.dirname, '../..');
      cpSync(join(root, 'examples/demo'), demo, {
        recursive: true,
        filter: (src) => !src.includes('/.aare'),
      });
      const aare = ['node', join(root, 'bin/aare.mjs'), 'package', 'build', 'muster-shop', '--repo', demo];
      const env = { ...process.env, AARE_STATE_DIR: '', AARE_DATABASE_URL: '' };
      const r = spawnSync('bash', ['-c', withoutUserNamespaces, 'bash', ...aare], { encoding: 'utf8', env });
      assert.equal(r.status, 1, r.stderr);
      assert.match(
        r.stderr,
        /error BUILD_SANDBOX: the build sandbox \(bubblewrap\) cannot start on this machine/,
      );
      assert.match(r.stderr, /AARE_BUILD_SANDBOX=off/);
      assert.doesNotMatch(r.stderr, /internal error|^\s+at /m);
      assert.doesNotMatch(r.stdout, /^built/m, 'nothing was built');
      const optOut = spawnSync('bash', ['-c', withoutUserNamespaces, 'bash', ...aare], {
        encoding: 'utf8',
        env: { ...env, AARE_BUILD_SANDBOX: 'off' },
      });
      assert.equal(optOut.status, 0, optOut.stderr);
      assert.match(
        optOut.stdout,
        /^built muster-shop-1\.1\.0-1\.noarch\.rpm/m,
        'the documented opt-out builds',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
