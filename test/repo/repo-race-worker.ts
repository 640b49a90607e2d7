// Another process for repo-concurrency.test.ts: opens the same store and state directory, says
// `ready`, waits for a line on stdin (so that all workers start together), runs one repository
// operation in a loop and prints the failures it saw as JSON.
import { readOrCreateSigningKey, openRepoService, readPublicKeys } from '../../src/repo/index.js';
import { openStore } from '../../src/store/index.js';
import type { StoreOptions } from '../../src/store/index.js';

interface Job {
  storeOptions: StoreOptions;
  stateDir: string;
  keyFile: string;
  op: 'distribute' | 'prune' | 'upload';
  rounds: number;
  customer: string;
  /** for 'upload': the files to upload into repository `customer` and remove again, in turn */
  files?: string[];
}

const job = JSON.parse(process.argv[2]!) as Job;
const store = await openStore(job.storeOptions);
const key = await readOrCreateSigningKey(
  job.keyFile,
  { name: 'unused', email: 'unused@aare.invalid' },
  { mayCreate: false },
);
const repo = openRepoService({
  store,
  stateDir: job.stateDir,
  signingKey: key,
  trustedKeys: await readPublicKeys(key.publicArmored),
});
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.pause();
const failures: string[] = [];
for (let i = 0; i < job.rounds; i++) {
  try {
    if (job.op === 'distribute') {
      const r = await repo.distribute(job.customer, 'test');
      failures.push(...r.diagnostics.map((d) => `${d.code}: ${d.summary}`));
    } else if (job.op === 'prune') {
      await repo.prune();
    } else {
      const file = job.files![i % job.files!.length]!;
      const up = await repo.upload(job.customer, file);
      failures.push(...up.diagnostics.map((d) => `${d.code}: ${d.summary}`));
      const rm = await repo.removePackages(job.customer, [up.value!.filename]);
      failures.push(...rm.diagnostics.map((d) => `${d.code}: ${d.summary}`));
    }
  } catch (err) {
    failures.push(String(err));
  }
}
await store.close();
process.stdout.write(JSON.stringify({ failures }));
