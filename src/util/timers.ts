// Timers for user durations of any length: Node's own fire at once past 2^31-1 ms (about 24.8 days),
// so longer ones are chained.

/** The longest delay one Node timer holds; a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer that can be cancelled, whatever its length. */
export interface LongTimer {
  cancel(): void;
}

/**
 * Calls `callback` after `ms` milliseconds, chaining Node timers of at most MAX_TIMER_MS so that
 * a delay of weeks waits for weeks. `Infinity` never fires. `unref`: the timer alone does not keep
 * the process alive.
 */
export function setLongTimeout(
  callback: () => void,
  ms: number,
  options: { unref?: boolean } = {},
): LongTimer {
  let timer: NodeJS.Timeout | undefined;
  let left = Math.max(0, ms);
  const arm = () => {
    if (left === Number.POSITIVE_INFINITY) return;
    const step = Math.min(left, MAX_TIMER_MS);
    left -= step;
    timer = setTimeout(left > 0 ? arm : callback, step);
    if (options.unref) timer.unref();
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}

/**
 * Resolves after `ms` milliseconds, however long (chained timers); rejects with the signal's
 * reason when `signal` is aborted first.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = setLongTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
