// Chained timers: user durations longer than one Node timer holds (about 24.8 days) really wait.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, setLongTimeout, sleep } from '../../src/util/timers.js';

const DAY = 24 * 3_600_000;

afterEach(() => {
  vi.useRealTimers();
});

describe('setLongTimeout', () => {
  it('fires a 30-day timer after 30 days, not when one Node timer would overflow', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let firedAt: number | undefined;
    const started = Date.now();
    setLongTimeout(() => {
      firedAt = Date.now() - started;
    }, 30 * DAY);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 1000);
    expect(firedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(30 * DAY - MAX_TIMER_MS - 1000);
    expect(firedAt).toBe(30 * DAY);
  });

  it('fires a short timer once, at its time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fired = vi.fn();
    setLongTimeout(fired, 250);
    await vi.advanceTimersByTimeAsync(249);
    expect(fired).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('never fires once cancelled, even between two links of the chain', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const fired = vi.fn();
    const timer = setLongTimeout(fired, 60 * DAY);
    await vi.advanceTimersByTimeAsync(40 * DAY);
    timer.cancel();
    await vi.advanceTimersByTimeAsync(40 * DAY);
    expect(fired).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never fires for an infinite delay, and holds no timer', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    setLongTimeout(() => {}, Number.POSITIVE_INFINITY);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('sleep', () => {
  it('resolves after 40 days, not before', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let isDone = false;
    void sleep(40 * DAY).then(() => {
      isDone = true;
    });
    await vi.advanceTimersByTimeAsync(39 * DAY);
    expect(isDone).toBe(false);
    await vi.advanceTimersByTimeAsync(DAY);
    expect(isDone).toBe(true);
  });

  it('rejects with the abort reason and clears its timer', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const controller = new AbortController();
    const sleeping = sleep(30 * DAY, controller.signal);
    await vi.advanceTimersByTimeAsync(26 * DAY);
    controller.abort('SIGINT');
    await expect(sleeping).rejects.toBe('SIGINT');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    await expect(sleep(10, controller.signal)).rejects.toThrow('stopped');
  });
});
