import { ProviderError } from '../provider-error.js';
import { abortableSleep } from '../http-transport.js';

export interface WaitOptions {
  /** Give up after this long. */
  timeoutMs?: number;
  /** First poll interval; grows by half up to `maxIntervalMs`. */
  intervalMs?: number;
  maxIntervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Polls `probe` until it returns a value other than `undefined`, then resolves with it. `probe`
 * may throw to stop early (a resource in ERROR). On timeout: OPENSTACK_TIMEOUT with `describe()`
 * of the last observation, so the user sees where it got stuck.
 */
export async function waitFor<T, O>(
  what: string,
  probe: () => Promise<{ done: T } | { last: O }>,
  describe: (last: O | undefined) => string,
  opts: WaitOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  let interval = opts.intervalMs ?? 250;
  let last: O | undefined;
  for (;;) {
    opts.signal?.throwIfAborted();
    const r = await probe();
    if ('done' in r) return r.done;
    last = r.last;
    if (Date.now() >= deadline) {
      throw new ProviderError({
        code: 'OPENSTACK_TIMEOUT',
        message: `${what}: not done after ${Math.round(timeoutMs / 1000)} s (${describe(last)})`,
      });
    }
    await abortableSleep(Math.min(interval, Math.max(0, deadline - Date.now())), opts.signal);
    interval = Math.min(opts.maxIntervalMs ?? 2_000, Math.round(interval * 1.5));
  }
}
