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
