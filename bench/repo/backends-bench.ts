// bench/repo: the repository service's two back ends side by side, on the same files, in one run.
//   eval "$(aare lab env)"; node --import tsx bench/repo/backends-bench.ts [--packages 200]
// For each back end (the embedded one on SQLite, and the lab's Pulp 3): upload N small signed
// RPMs as one new version, distribute it (Pulp: a publication signed by its signing service, then
// the distribution; embedded: repodata written and signed, then the distribution row), and
// distribute again with nothing changed. Both back ends check every RPM's signature first (the
// same code). Needs rpmbuild and the lab's Pulp (`aare lab up pulp`). Results: stdout and
// bench/out/backends-bench.json; ratios are Pulp / embedded (time: lower is better).
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  openPulpRepoService,
  openRepoService,
  readOrCreateSigningKey,
  readPublicKeys,
  signRpm,
} from '../../src/repo/index.js';
import type { RepoService } from '../../src/repo/index.js';
import { openStore } from '../../src/store/index.js';
import { cleanPulpRun } from '../../test/repo/repo-backends.js';

const root = resolve(import.meta.dirname, '../..');
const out = join(root, 'bench/out');
const argN = process.argv.indexOf('--packages');
const N = argN > 0 ? Number(process.argv[argN + 1]) : 200;
const say = (s: string) => process.stdout.write(s + '\n');
const time = async <T>(fn: () => Promise<T> | T): Promise<[T, number]> => {
  const t0 = process.hrtime.bigint();
  const v = await fn();
  return [v, Number(process.hrtime.bigint() - t0) / 1e6];
};
const env = process.env;
if (!env.AARE_LAB_PULP || !env.AARE_LAB_PULP_PASSWORD) {
  say('the lab\'s Pulp is not up: aare lab up pulp; eval "$(aare lab env)"');
  process.exit(2);
}

// ---- fixtures: N small signed RPMs (one spec, N subpackages), cached ------------------------
mkdirSync(out, { recursive: true });
const rpmDir = join(out, `backends-rpms-${N}`);
const key = await readOrCreateSigningKey(
  join(out, 'backends-bench-key.asc'),
  { name: 'aare bench', email: 'bench@aare.invalid' },
  { mayCreate: true },
);
if (!existsSync(join(rpmDir, 'done'))) {
  say(`building ${N} RPMs with rpmbuild (once; cached in ${rpmDir}) ...`);
  rmSync(rpmDir, { recursive: true, force: true });
  const top = mkdtempSync(join(tmpdir(), 'aare-backends-rpmbuild-'));
  mkdirSync(join(top, 'SPECS'), { recursive: true });
  const id = (i: number) => `backends-${String(i).padStart(5, '0')}`;
  let spec = `Name: backendspkg\nVersion: 1.0\nRelease: 1\nSummary: bench\nLicense: MIT\nBuildArch: noarch\nAutoReq: no\n%description\nbench\n`;
  for (let i = 0; i < N; i++)
    spec += `%package -n ${id(i)}\nSummary: backends bench ${i}\n%description -n ${id(i)}\nBench package ${i}.\n`;
  spec += '%install\n';
  for (let i = 0; i < N; i++)
    spec += `mkdir -p %{buildroot}/usr/share/${id(i)} && head -c 8192 /dev/urandom > %{buildroot}/usr/share/${id(i)}/data\n`;
  for (let i = 0; i < N; i++) spec += `%files -n ${id(i)}\n/usr/share/${id(i)}\n`;
  writeFileSync(join(top, 'SPECS', 'backends.spec'), spec);
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
      join(top, 'SPECS', 'backends.spec'),
    ],
    { stdio: 'ignore', maxBuffer: 1 << 30 },
  );
  for (const f of readdirSync(rpmDir).filter((x) => x.endsWith('.rpm')))
    writeFileSync(join(rpmDir, f), await signRpm(readFileSync(join(rpmDir, f)), key));
  writeFileSync(join(rpmDir, 'done'), '');
  rmSync(top, { recursive: true, force: true });
}
const files = readdirSync(rpmDir)
  .filter((f) => f.startsWith('backends-') && f.endsWith('.rpm'))
  .sort()
  .map((f) => ({ file: join(rpmDir, f) }));

interface Figures {
  upload_ms: number;
  distribute_ms: number;
  redistribute_ms: number;
}

async function measure(repo: RepoService): Promise<Figures> {
  const ok = <T>(r: { value: T; diagnostics: unknown[] }): T => {
    if (r.diagnostics.length > 0) throw new Error(JSON.stringify(r.diagnostics));
    return r.value;
  };
  ok(await repo.createRepository('bench', 'bench'));
  const [, upload_ms] = await time(async () => ok(await repo.uploadMany('bench', files)));
  const [, distribute_ms] = await time(async () => ok(await repo.distribute('bench', 'test')));
  const [, redistribute_ms] = await time(async () => ok(await repo.distribute('bench', 'test')));
  return { upload_ms, distribute_ms, redistribute_ms };
}

const trustedKeys = await readPublicKeys(key.publicArmored);
const work = mkdtempSync(join(tmpdir(), 'aare-backends-bench-'));
const store = await openStore({ sqlitePath: join(work, 'state.db') });
let local: Figures;
try {
  local = await measure(
    openRepoService({ store, stateDir: join(work, 'state'), signingKey: key, trustedKeys }),
  );
} finally {
  await store.close();
}
const run = `bench${process.pid}`;
const target = {
  url: env.AARE_LAB_PULP,
  username: env.AARE_LAB_PULP_USER ?? 'admin',
  password: env.AARE_LAB_PULP_PASSWORD,
  signingService: env.AARE_LAB_PULP_SIGNING_SERVICE ?? 'lab-metadata',
  namePrefix: `aare-${run}-`,
  basePathPrefix: `${run}/`,
  content: env.AARE_LAB_PULP_CONTENT ?? '',
  signingKeyFile: '',
};
let pulp: Figures;
try {
  pulp = await measure(openPulpRepoService({ ...target, trustedKeys }));
} finally {
  await cleanPulpRun(target);
}
rmSync(work, { recursive: true, force: true });

const rows: [string, keyof Figures][] = [
  [`upload ${N} RPMs as one version`, 'upload_ms'],
  ['distribute (publish + point the distribution)', 'distribute_ms'],
  ['distribute again, nothing changed', 'redistribute_ms'],
];
say(`\n${N} packages | embedded (SQLite) | Pulp 3 (lab) | Pulp / embedded`);
for (const [what, k] of rows)
  say(`${what} | ${local[k].toFixed(0)} ms | ${pulp[k].toFixed(0)} ms | ${(pulp[k] / local[k]).toFixed(1)}`);
writeFileSync(
  join(out, 'backends-bench.json'),
  JSON.stringify({ packages: N, date: new Date().toISOString(), local, pulp }, null, 2),
);
