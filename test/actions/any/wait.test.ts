// The wait action waits as long as it says, however long, and counts from the step's first start.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitAction } from '../../../src/actions/any/wait.js';
import { MiaError } from '../../../src/errors.js';
import { createTestContext } from '../../helpers/action-context.js';

const DAY = 24 * 3_600_000;

afterEach(() => {
  vi.useRealTimers();
});

describe('the wait action', () => {
  it('waits 30 days (720h) for 30 days, not the moment one timer overflows', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const ctx = await createTestContext({ with: { for: '720h' } });
    let outputs: Record<string, unknown> | undefined;
    void waitAction.run(ctx).then((result) => {
      outputs = result?.outputs;
    });
    await vi.advanceTimersByTimeAsync(25 * DAY);
    expect(outputs).toBeUndefined();
    await vi.advanceTimersByTimeAsync(5 * DAY);
    expect(outputs).toEqual({ waitedMs: 30 * DAY });
  });

  it('waits only for what is left after a resume', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const firstStartedAt = new Date(Date.now() - 10 * DAY);
    const ctx = await createTestContext({ with: { for: '720h' }, firstStartedAt });
    let outputs: Record<string, unknown> | undefined;
    void waitAction.run(ctx).then((result) => {
      outputs = result?.outputs;
    });
    await vi.advanceTimersByTimeAsync(19 * DAY);
    expect(outputs).toBeUndefined();
    await vi.advanceTimersByTimeAsync(DAY);
    expect(outputs).toEqual({ waitedMs: 20 * DAY });
  });

  it.each([['a number too long to count', '9'.repeat(400)]])(
    'refuses %s instead of pretending it waited',
    async (_title, value) => {
      const ctx = await createTestContext({ with: { for: value } });
      const error = await waitAction.run(ctx).catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(MiaError);
      expect(error).toMatchObject({ code: 'MIA_WAIT_BAD_DURATION', isRetriable: false });
      expect((error as MiaError).message).toContain('is not a duration');
    },
  );
});
