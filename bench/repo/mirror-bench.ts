// bench/repo: `aare repo sync` (the repository service's mirror) against `dnf reposync` on the
// same upstream of N small packages, in one run.
//   node --import tsx bench/repo/mirror-bench.ts [--packages 2000]
// The upstream is createrepo_c repodata with a signed repomd.xml, served by a separate node
// process (so neither client shares an event loop with the server). Both clients check the
// repomd.xml signature and each package's sha256; neither checks RPM header signatures.
// Measured: a first full sync into an empty target, and a second sync that finds nothing new.
// Needs rpmbuild, createrepo_c, dnf and dnf-plugins-core (reposync). Results: stdout and
// bench/out/mirror-bench.json; ratios are aare / dnf (time: lower is better).
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openRepoService, readOrCreateSigningKey, signDetachedArmored } from '../../src/repo/index.js';
import { openStore } from '../../src/store/index.js';

const root = resolve(import.meta.dirname, '../..');
const out = join(root, 'bench/out');
const argN = process.argv.indexOf('--packages');
const N = argN > 0 ? Number(process.argv[argN + 1]) : 2000;
const say = (s: string) => process.stdout.write(s + '\n');
const time = async <T>(fn: () => Promise<T> | T): Promise<[T, number]> => {
  const t0 = process.hrtime.bigint();
  const v = await fn();
  return [v, Number(process.hrtime.bigint() - t0) / 1e6];
};

// ---- fixtures: N small RPMs (one spec, N subpackages), cached -------------------------------
mkdirSync(out, { recursive: true });
const rpmDir = join(out, `mirror-rpms-${N}`);
if (!existsSync(join(rpmDir, 'done'))) {
  say(`building ${N} RPMs with rpmbuild (once; cached in ${rpmDir}) ...`);
  rmSync(rpmDir, { recursive: true, force: true });
  const top = mkdtempSync(join(tmpdir(), 'aare-mirror-rpmbuild-'));
  mkdirSync(join(top, 'SPECS'), { recursive: true });
  const id = (i: number) => `mirror-${String(i).padStart(5, '0')}`;
  let spec = `Name: mirrorpkg\nVersion: 1.0\nRelease: 1\nSummary: bench\nLicense: MIT\nBuildArch: noarch\nAutoReq: no\n%description\nbench\n`;
  for (let i = 0; i < N; i++)
    spec += `%package -n ${id(i)}\nSummary: mirror bench ${i}\n%description -n ${id(i)}\nMirror bench package ${i}.\n`;
  spec += '%install\n';
  for (let i = 0; i < N; i++)
    spec += `mkdir -p %{buildroot}/usr/share/${id(i)} && head -c 8192 /dev/urandom > %{buildroot}/usr/share/${id(i)}/data\n`;
  for (let i = 0; i < N; i++) spec += `%files -n ${id(i)}\n/usr/share/${id(i)}\n`;
  writeFileSync(join(top, 'SPECS', 'mirror.spec'), spec);
  execFileSync(
    'rpmbuild',
    [
      '-bb',
      '--define',
      `_topdir ${top}`,
      '--define',
      `_rpmdir ${rpmDir}`,
      '--define',
      '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm',
      join(top, 'SPECS', 'mirror.spec'),
    ],
    { stdio: 'ignore', maxBuffer: 1 << 30 },
  );
  writeFileSync(join(rpmDir, 'done'), '');
  rmSync(top, { recursive: true, force: true });
}

// ---- the upstream: createrepo_c, signed repomd.xml, a node static server in its own process --
const work = mkdtempSync(join(tmpdir(), 'aare-mirror-bench-'));
const upstream = join(work, 'upstream');
mkdirSync(join(upstream, 'Packages'), { recursive: true });
for (const f of readdirSync(rpmDir).filter((x) => x.startsWith('mirror-') && x.endsWith('.rpm')))
  linkSync(join(rpmDir, f), join(upstream, 'Packages', f));
execFileSync('createrepo_c', ['-q', '--no-database', '--general-compress-type=gz', upstream]);
const key = await readOrCreateSigningKey(
  join(out, 'mirror-bench-key.asc'),
  { name: 'aare mirror bench', email: 'mirror-bench@aare.invalid' },
  { mayCreate: true },
);
const repomd = readFileSync(join(upstream, 'repodata', 'repomd.xml'));
writeFileSync(join(upstream, 'repodata', 'repomd.xml.asc'), await signDetachedArmored(repomd, key));
writeFileSync(join(work, 'upstream.asc'), key.publicArmored);

const serverJs = `
const http = require('node:http'), fs = require('node:fs'), path = require('node:path');
const root = ${JSON.stringify(upstream)};
const s = http.createServer((req, res) => {
  const p = path.join(root, path.normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)));
  fs.stat(p, (err, st) => {
    if (err || !st.isFile()) return res.writeHead(404).end();
    res.writeHead(200, { 'content-length': st.size });
    fs.createReadStream(p).pipe(res);
  });
});
s.keepAliveTimeout = 30000;
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));`;
const server = spawn('node', ['-e', serverJs], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<string>((r) =>
  server.stdout.once('data', (b: Buffer) => r(b.toString().trim())),
);
const url = `http://127.0.0.1:${port}/`;
const upstreamFiles = readdirSync(join(upstream, 'Packages')).length;

// ---- aare: a fresh state directory, remote add, two syncs -----------------------------------
const stateDir = join(work, 'aare');
const store = await openStore({ sqlitePath: join(work, 'aare.db') });
const service = openRepoService({ store, stateDir, trustedKeys: [] });
const added = await service.mirrors!.addRemote('upstream', url, { gpgKey: join(work, 'upstream.asc') });
if (added.diagnostics.length) throw new Error(JSON.stringify(added.diagnostics));
const [first, aareFirst] = await time(() => service.mirrors!.sync(['upstream']));
if (first.diagnostics.length || first.value[0]?.packages !== N) throw new Error(JSON.stringify(first));
const [second, aareAgain] = await time(() => service.mirrors!.sync(['upstream']));
if (second.value[0]?.version !== undefined) throw new Error('the second sync made a version');
await store.close();

// ---- dnf reposync: same checks (repomd signature, package digests), fresh cache -------------
const conf = join(work, 'dnf.conf');
writeFileSync(
  conf,
  `[main]\ngpgcheck=0\nrepo_gpgcheck=1\nreposdir=/nonexistent\nmetadata_expire=0\nassumeyes=1\ncachedir=${join(work, 'dnf-cache')}\n\n` +
    `[upstream]\nname=upstream\nbaseurl=${url}\ngpgkey=file://${join(work, 'upstream.asc')}\n`,
);
const installroot = join(work, 'dnf-root');
const reposync = () =>
  execFileSync(
    'dnf',
    [
      '-c',
      conf,
      `--installroot=${installroot}`,
      '--releasever=12',
      '-q',
      'reposync',
      '--repoid=upstream',
      '--norepopath',
      `--download-path=${join(work, 'dnf-mirror')}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 26 },
  );
const [, dnfFirst] = await time(reposync);
const [, dnfAgain] = await time(reposync);
const dnfGot = readdirSync(join(work, 'dnf-mirror', 'Packages')).length;
server.kill();
execFileSync('sh', [
  '-c',
  `gpgconf --homedir ${installroot}/var/cache/dnf --kill gpg-agent 2>/dev/null; true`,
]);

const results = {
  packages: N,
  date: new Date().toISOString(),
  upstreamFiles,
  first: {
    aareMs: Math.round(aareFirst),
    dnfMs: Math.round(dnfFirst),
    ratio: +(aareFirst / dnfFirst).toFixed(2),
  },
  again: {
    aareMs: Math.round(aareAgain),
    dnfMs: Math.round(dnfAgain),
    ratio: +(aareAgain / dnfAgain).toFixed(2),
  },
  dnfPackages: dnfGot,
};
say(`upstream of ${N} packages (${url})`);
say(
  `full sync:    aare ${(aareFirst / 1000).toFixed(1)} s, dnf reposync ${(dnfFirst / 1000).toFixed(1)} s, ratio ${results.first.ratio}`,
);
say(
  `nothing new:  aare ${aareAgain.toFixed(0)} ms, dnf reposync ${dnfAgain.toFixed(0)} ms, ratio ${results.again.ratio}`,
);
writeFileSync(join(out, 'mirror-bench.json'), JSON.stringify(results, null, 2) + '\n');
rmSync(work, { recursive: true, force: true });
