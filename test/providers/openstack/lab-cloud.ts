// Shared by the OpenStack tests: a client on the lab's cloud (from `aare lab env`), a unique
// name prefix per run, and a cleanup stack. Tests skip with a reason when the lab is not set up.
import { randomBytes } from 'node:crypto';
import { openstack } from '../../../src/providers/index.js';

/** Why the lab tests cannot run here, or false when they can. */
export const skipWithoutLab: string | false =
  process.env.OS_CLIENT_CONFIG_FILE && process.env.OS_CLOUD
    ? false
    : 'needs the lab OpenStack: OS_CLIENT_CONFIG_FILE/OS_CLOUD unset (run: eval "$(aare lab env)")';

export function labClient(
  opts: Omit<openstack.OpenStackClientOptions, 'cloud'> = {},
): openstack.OpenStackClient {
  return openstack.openStackClientFromEnv({ ...opts, env: process.env });
}

/** A unique prefix for the names of everything one test file creates: `aaret-<random>-`. */
export function runPrefix(): string {
  return `aaret-${randomBytes(3).toString('hex')}-`;
}

/** Undo actions, run newest first; failures are collected and reported together. */
export class Cleanup {
  private readonly steps: { what: string; fn: () => Promise<unknown> }[] = [];
  add(what: string, fn: () => Promise<unknown>): void {
    this.steps.push({ what, fn });
  }
  async run(): Promise<void> {
    const failures: string[] = [];
    for (const step of this.steps.reverse()) {
      try {
        await step.fn();
      } catch (err) {
        failures.push(`${step.what}: ${(err as Error).message}`);
      }
    }
    this.steps.length = 0;
    if (failures.length > 0) throw new Error(`cleanup failed:\n${failures.join('\n')}`);
  }
}
