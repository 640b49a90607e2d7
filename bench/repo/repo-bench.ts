// bench/repo: the repository service against the real tools, on the same files, in one run.
//   node --import tsx bench/repo/repo-bench.ts [--packages 2000]
// 1. publishing a repository of N packages vs createrepo_c --no-database
// 2. republishing after adding 10 packages vs createrepo_c --update
// 3. moving a distribution (one row update), for a small and a large repository
// 4. download throughput of `aare serve` vs nginx serving the same files
// Results go to stdout and bench/out/repo-bench.json. RPMs are built once with rpmbuild (one spec,
// N+10 subpackages) and cached under bench/out/repo-rpms/.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  chmodSync,
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
import { openRepoService, readOrCreateSigningKey, readPublicKeys, signRpm } from '../../src/repo/index.js';
import { openStore } from '../../src/store/index.js';

const root = resolve(import.meta.dirname, '../..');
const out = join(root, 'bench/out');
const argN = process.argv.indexOf('--packages');
const N = argN > 0 ? Number(process.argv[argN + 1]) : 2000;
const EXTRA = 10;
const ms = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;
const time = async <T>(fn: () => Promise<T> | T): Promise<[T, number]> => {
  const t0 = process.hrtime.bigint();
  const v = await fn();
  return [v, ms(t0)];
};
const results: Record<string, unknown> = { packages: N, date: new Date().toISOString() };
const say = (s: string) => process.stdout.write(s + '\n');

// ---- fixtures: N + 10 signed RPMs -----------------------------------------------------------
const rpmDir = join(out, `repo-rpms-${N}`);
const keyFile = join(out, 'repo-bench-key.asc');
const key = await readOrCreateSigningKey(
  keyFile,
  { name: 'aare bench', email: 'bench@aare.invalid' },
  { mayCreate: true },
);
if (!existsSync(join(rpmDir, 'done'))) {
  say(`building ${N + EXTRA} RPMs with rpmbuild (once; cached in ${rpmDir}) ...`);
  rmSync(rpmDir, { recursive: true, force: true });
  const top = mkdtempSync(join(tmpdir(), 'aare-bench-rpmbuild-'));
  mkdirSync(join(top, 'SPECS'), { recursive: true });
  let spec = `Name: benchpkg\nVersion: 1.0\nRelease: 1\nSummary: bench\nLicense: MIT\nBuildArch: noarch\nAutoReq: no\n%description\nbench\n%install\n`;
  for (let i = 0; i < N + EXTRA; i++) {
    spec += `mkdir -p %{buildroot}/usr/share/bench${i} && head -c 8192 /dev/urandom > %{buildroot}/usr/share/bench${i}/data && printf '#!/bin/sh\\necho ${i}\\n' > %{buildroot}/usr/share/bench${i}/run\n`;
  }
  spec += '%files\n';
  for (let i = 0; i < N + EXTRA; i++) {
    spec = spec.replace(
      '%install\n',
      `%package -n bench-${String(i).padStart(5, '0')}\nSummary: bench package ${i}\nRequires: benchpkg-common\nProvides: bench-feature-${i} = 1.0\n%description -n bench-${String(i).padStart(5, '0')}\nBench package ${i}.\n%install\n`,
    );
  }
  for (let i = 0; i < N + EXTRA; i++)
    spec += `%files -n bench-${String(i).padStart(5, '0')}\n/usr/share/bench${i}\n`;
  writeFileSync(join(top, 'SPECS', 'bench.spec'), spec);
  const [, buildMs] = await time(() =>
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
        join(top, 'SPECS', 'bench.spec'),
      ],
      { stdio: 'ignore', maxBuffer: 1 << 30 },
    ),
  );
  say(`  rpmbuild: ${(buildMs / 1000).toFixed(1)} s`);
  for (const f of readdirSync(rpmDir).filter((x) => x.endsWith('.rpm'))) {
    writeFileSync(join(rpmDir, f), await signRpm(readFileSync(join(rpmDir, f)), key));
  }
  writeFileSync(join(rpmDir, 'done'), '');
  rmSync(top, { recursive: true, force: true });
}
const all = readdirSync(rpmDir)
  .filter((f) => f.startsWith('bench-') && f.endsWith('.rpm'))
  .sort();
const base = all.slice(0, N);
const extra = all.slice(N, N + EXTRA);

// ---- 1. publish N packages ------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'aare-bench-repo-'));
chmodSync(work, 0o755); // nginx's workers run as www-data
const crDir = join(work, 'createrepo');
mkdirSync(join(crDir, 'Packages'), { recursive: true });
for (const f of base) linkSync(join(rpmDir, f), join(crDir, 'Packages', f));
const [, crMs] = await time(() => execFileSync('createrepo_c', ['-q', '--no-database', crDir]));

const stateDir = join(work, 'aare');
const store = await openStore({ sqlitePath: join(stateDir, 'state.db') });
const repo = openRepoService({
  store,
  stateDir,
  signingKey: key,
  trustedKeys: await readPublicKeys(key.publicArmored),
});
await repo.createRepository('bench', 'bench');
const [, importMs] = await time(async () => {
  const r = await repo.uploadMany(
    'bench',
    base.map((f) => ({ file: join(rpmDir, f) })),
  );
  if (!r.value) throw new Error(JSON.stringify(r.diagnostics));
});
const [d1, publishMs] = await time(() => repo.distribute('bench', 'test'));
if (!d1.value) throw new Error(JSON.stringify(d1.diagnostics));
results.publish = {
  createrepo_c_ms: crMs,
  aare_publish_ms: publishMs,
  aare_import_ms: importMs,
  ratio_publish_vs_createrepo: publishMs / crMs,
  ratio_import_plus_publish_vs_createrepo: (importMs + publishMs) / crMs,
};
say(
  `publish ${N}: createrepo_c ${crMs.toFixed(0)} ms | aare publish ${publishMs.toFixed(0)} ms (ratio ${(publishMs / crMs).toFixed(2)}) | aare import (verify+hash+store, one-time per package) ${importMs.toFixed(0)} ms`,
);

// ---- 2. republish after adding 10 ------------------------------------------------------------
const crDir2 = join(work, 'createrepo2');
mkdirSync(join(crDir2, 'Packages'), { recursive: true });
for (const f of [...base, ...extra]) linkSync(join(rpmDir, f), join(crDir2, 'Packages', f));
const [, crUpdMs] = await time(() =>
  execFileSync('createrepo_c', ['-q', '--no-database', '--update', '--update-md-path', crDir, crDir2]),
);
const [, addMs] = await time(async () => {
  const r = await repo.uploadMany(
    'bench',
    extra.map((f) => ({ file: join(rpmDir, f) })),
  );
  if (!r.value) throw new Error(JSON.stringify(r.diagnostics));
});
const [d2, republishMs] = await time(() => repo.distribute('bench', 'test'));
if (!d2.value) throw new Error(JSON.stringify(d2.diagnostics));
results.republish = {
  createrepo_c_update_ms: crUpdMs,
  aare_add10_ms: addMs,
  aare_republish_ms: republishMs,
  ratio_add_plus_republish_vs_update: (addMs + republishMs) / crUpdMs,
};
say(
  `republish +${EXTRA}: createrepo_c --update ${crUpdMs.toFixed(0)} ms | aare upload ${addMs.toFixed(0)} ms + publish ${republishMs.toFixed(0)} ms (ratio ${((addMs + republishMs) / crUpdMs).toFixed(2)})`,
);

// ---- 3. moving a distribution ----------------------------------------------------------------
const moveTimes = async (
  basePath: string,
  a: number,
  b: number,
): Promise<{ median: number; p99: number }> => {
  const ts: number[] = [];
  for (let i = 0; i < 200; i++) {
    const [, t] = await time(() => repo.moveDistribution(basePath, i % 2 ? a : b));
    ts.push(t);
  }
  ts.sort((x, y) => x - y);
  return { median: ts[100]!, p99: ts[197]! };
};
await repo.createRepository('small', 'small');
await repo.upload('small', join(rpmDir, base[0]!));
const s1 = await repo.distribute('small', 'test');
await repo.upload('small', join(rpmDir, base[1]!));
const s2 = await repo.distribute('small', 'test');
const big = await moveTimes('bench/test', d1.value.publicationId, d2.value.publicationId);
const small = await moveTimes('small/test', s1.value!.publicationId, s2.value!.publicationId);
await repo.moveDistribution('bench/test', d2.value.publicationId); // all N + 10 for the download part
results.move = { large_repo_ms: big, small_repo_ms: small, target_ms: 50 };
say(
  `move distribution: ${N + EXTRA} packages median ${big.median.toFixed(2)} ms p99 ${big.p99.toFixed(2)} ms | 2 packages median ${small.median.toFixed(2)} ms p99 ${small.p99.toFixed(2)} ms (target < 50 ms)`,
);
await store.close();

// ---- 4. download throughput vs nginx ---------------------------------------------------------
// Large packages: 16 RPMs of 4 MiB (random, incompressible content), built once and cached.
const bigDir = join(out, 'repo-rpms-big');
if (!existsSync(join(bigDir, 'done'))) {
  say('building 16 RPMs of 4 MiB (once) ...');
  rmSync(bigDir, { recursive: true, force: true });
  const top = mkdtempSync(join(tmpdir(), 'aare-bench-rpmbuild-big-'));
  mkdirSync(join(top, 'SPECS'), { recursive: true });
  let spec = `Name: bigpkg\nVersion: 1.0\nRelease: 1\nSummary: bench\nLicense: MIT\nBuildArch: noarch\nAutoReq: no\n%description\nbench\n`;
  for (let i = 0; i < 16; i++)
    spec += `%package -n big-${i}\nSummary: big ${i}\n%description -n big-${i}\nbig ${i}\n`;
  spec += '%install\n';
  for (let i = 0; i < 16; i++)
    spec += `mkdir -p %{buildroot}/usr/share/big${i} && head -c 4194304 /dev/urandom > %{buildroot}/usr/share/big${i}/data\n`;
  for (let i = 0; i < 16; i++) spec += `%files -n big-${i}\n/usr/share/big${i}\n`;
  writeFileSync(join(top, 'SPECS', 'big.spec'), spec);
  execFileSync(
    'rpmbuild',
    [
      '-bb',
      '--define',
      `_topdir ${top}`,
      '--define',
      `_rpmdir ${bigDir}`,
      '--define',
      '_binary_payload w1.gzdio',
      '--define',
      '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm',
      join(top, 'SPECS', 'big.spec'),
    ],
    { stdio: 'ignore' },
  );
  for (const f of readdirSync(bigDir).filter((x) => x.endsWith('.rpm'))) {
    writeFileSync(join(bigDir, f), await signRpm(readFileSync(join(bigDir, f)), key));
  }
  writeFileSync(join(bigDir, 'done'), '');
  rmSync(top, { recursive: true, force: true });
}
const bigFiles = readdirSync(bigDir)
  .filter((f) => f.startsWith('big-') && f.endsWith('.rpm'))
  .sort();
{
  const st = await openStore({ sqlitePath: join(stateDir, 'state.db') });
  const r2 = openRepoService({
    store: st,
    stateDir,
    signingKey: key,
    trustedKeys: await readPublicKeys(key.publicArmored),
  });
  await r2.createRepository('big', 'big');
  await r2.uploadMany(
    'big',
    bigFiles.map((f) => ({ file: join(bigDir, f) })),
  );
  await r2.distribute('big', 'test');
  await st.close();
}
const nginxRoot = join(work, 'nginx-root');
mkdirSync(join(nginxRoot, 'repos/bench/test/Packages'), { recursive: true });
mkdirSync(join(nginxRoot, 'repos/big/test/Packages'), { recursive: true });
for (const f of [...base, ...extra])
  linkSync(join(rpmDir, f), join(nginxRoot, 'repos/bench/test/Packages', f));
for (const f of bigFiles) linkSync(join(bigDir, f), join(nginxRoot, 'repos/big/test/Packages', f));
const ngPort = 18431;
const aarePort = 18432;
const procs: ChildProcess[] = [];
const waitFor = async (url: string) => {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
};
const stopAll = async () => {
  for (const p of procs.splice(0)) {
    p.kill('SIGTERM');
    await new Promise((r) => p.once('exit', r));
  }
};
/** Starts nginx and aare serve with `processes` workers each; waits until both answer. */
const startServers = async (processes: number) => {
  writeFileSync(
    join(work, 'nginx.conf'),
    `worker_processes ${processes};\ndaemon off;\nerror_log ${work}/nginx-error.log;\npid ${work}/nginx.pid;\nevents { worker_connections 1024; }\nhttp {\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  keepalive_requests 100000;\n  types { application/x-rpm rpm; }\n  server { listen 127.0.0.1:${ngPort}; root ${nginxRoot}; }\n}\n`,
  );
  procs.push(spawn('nginx', ['-c', join(work, 'nginx.conf'), '-p', work], { stdio: 'ignore' }));
  procs.push(
    spawn(
      'node',
      [
        join(root, 'bin/aare.mjs'),
        'serve',
        '--repo',
        work,
        '--port',
        String(aarePort),
        '--workers',
        String(processes),
      ],
      {
        stdio: 'ignore',
        env: { ...process.env, AARE_STATE_DIR: stateDir, AARE_DATABASE_URL: '' },
      },
    ),
  );
  const probe = `/repos/bench/test/Packages/${base[0]}`;
  await waitFor(`http://127.0.0.1:${ngPort}${probe}`);
  await waitFor(`http://127.0.0.1:${aarePort}${probe}`);
};
type Load = { requests: number; bytes: number; seconds: number; errors: number };
const load = (port: number, paths: string[], concurrency: number, rounds: number): Load =>
  JSON.parse(
    execFileSync(
      'node',
      [join(import.meta.dirname, 'download-load.mjs'), String(port), String(concurrency), String(rounds)],
      {
        input: paths.join('\n'),
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      },
    ),
  ) as Load;
const mbps = (r: Load) => r.bytes / r.seconds / 1024 / 1024;
const compare = (name: string, paths: string[], concurrency: number, rounds: number) => {
  load(ngPort, paths, concurrency, 1); // warm up both (page cache, JIT, aare's memory cache)
  load(aarePort, paths, concurrency, 1);
  const ng = load(ngPort, paths, concurrency, rounds);
  const aa = load(aarePort, paths, concurrency, rounds);
  if (ng.errors || aa.errors)
    throw new Error(`${name}: download errors: nginx ${ng.errors}, aare ${aa.errors}`);
  const row = {
    files: paths.length,
    rounds,
    concurrency,
    nginx: { ...ng, rps: ng.requests / ng.seconds, MiBps: mbps(ng) },
    aare: { ...aa, rps: aa.requests / aa.seconds, MiBps: mbps(aa) },
    ratio_aare_vs_nginx: mbps(aa) / mbps(ng),
  };
  say(
    `download ${name}: nginx ${row.nginx.rps.toFixed(0)} req/s ${mbps(ng).toFixed(1)} MiB/s | aare serve ${row.aare.rps.toFixed(0)} req/s ${mbps(aa).toFixed(1)} MiB/s (ratio ${row.ratio_aare_vs_nginx.toFixed(2)}, target >= 0.8)`,
  );
  return row;
};
const smallPaths = [...base, ...extra].map((f) => `/repos/bench/test/Packages/${f}`);
const largePaths = bigFiles.map((f) => `/repos/big/test/Packages/${f}`);
const download: Record<string, unknown> = {
  target_ratio: 0.8,
  note: 'same files, same client (a separate node process, keep-alive), nginx and aare serve with the same number of processes, on this 2-core machine',
};
try {
  await startServers(1);
  download.small_1_process = compare(
    `${smallPaths.length} small RPMs x6, 32 concurrent, 1 process each`,
    smallPaths,
    32,
    6,
  );
  download.large_1_process = compare(
    `${largePaths.length} RPMs of 4 MiB x8, 8 concurrent, 1 process each`,
    largePaths,
    8,
    8,
  );
  await stopAll();
  await startServers(2);
  download.small_2_processes = compare(
    `${smallPaths.length} small RPMs x6, 32 concurrent, 2 processes each`,
    smallPaths,
    32,
    6,
  );
  download.large_2_processes = compare(
    `${largePaths.length} RPMs of 4 MiB x8, 8 concurrent, 2 processes each`,
    largePaths,
    8,
    8,
  );
} finally {
  await stopAll();
}
results.download = download;
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'repo-bench.json'), JSON.stringify(results, null, 2));
rmSync(work, { recursive: true, force: true });
