// Runs the real `cloud-init schema --config-file` on user-data text (Debian's cloud-init
// package; lab/packages/compile.txt installs it). Only the schema check is used: cloud-init
// never runs on the test machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function cloudInitAvailable(): string | undefined {
  try {
    execFileSync('cloud-init', ['--version'], { stdio: 'pipe' });
    return undefined;
  } catch {
    return 'cloud-init is not installed (apt-get install cloud-init; lab/packages/compile.txt lists it)';
  }
}

/** undefined when valid, else cloud-init's complaint. */
export function cloudInitSchemaErrors(userData: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'aare-cloud-init-'));
  try {
    const file = join(dir, 'user-data');
    writeFileSync(file, userData);
    const r = spawnSync('cloud-init', ['schema', '--config-file', file], { encoding: 'utf8' });
    const out = `${r.stdout}${r.stderr}`;
    if (r.status === 0 && /Valid cloud-config/.test(out) && !/deprecat/i.test(out)) return undefined;
    return out.trim() || `cloud-init schema exited ${r.status}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Checks many user-data documents with `cloud-init schema`, a few processes at a time. */
export async function cloudInitSchemaErrorsMany(
  docs: { name: string; userData: string }[],
  concurrency = 4,
): Promise<Map<string, string>> {
  const { spawn } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'aare-cloud-init-'));
  const failures = new Map<string, string>();
  let next = 0;
  const worker = async () => {
    while (next < docs.length) {
      const i = next++;
      const doc = docs[i]!;
      const file = join(dir, `user-data-${i}`);
      writeFileSync(file, doc.userData);
      const { status, out } = await new Promise<{ status: number | null; out: string }>((done) => {
        const p = spawn('cloud-init', ['schema', '--config-file', file]);
        let out = '';
        p.stdout.on('data', (b: Buffer) => (out += b.toString()));
        p.stderr.on('data', (b: Buffer) => (out += b.toString()));
        p.on('close', (status) => done({ status, out }));
      });
      if (status !== 0 || !/Valid cloud-config/.test(out) || /deprecat/i.test(out))
        failures.set(doc.name, out.trim());
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return failures;
}
