// The `wait` action: a durable pause; a resumed run waits only for what is left.

import { MiaError } from '../../errors.js';
import { formatDuration, MAX_DURATION_MS, parseDuration } from '../../util/duration.js';
import { sleep } from '../../util/timers.js';
import { readCount } from '../output-facts.js';
import type { ActionAdapter } from '../types.js';

/** Waits `with.for`, counted from the step's first start in the run, across resumes. */
export const waitAction: ActionAdapter = {
  name: 'wait',
  universes: ['engineer', 'ceremony', 'story'],
  description: 'Pauses durably: a resumed run waits only for what is left.',
  schema: {
    type: 'object',
    required: ['for'],
    additionalProperties: false,
    properties: {
      for: {
        description: 'How long to wait: ms, s, m or h (e.g. 30s).',
        oneOf: [
          { type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*(ms|s|m|h)?$' },
          { type: 'integer', minimum: 0 },
        ],
      },
    },
  },
  async run(ctx) {
    const totalMs = readWaitDuration(ctx.with.for);
    const elapsedMs = Date.now() - ctx.firstStartedAt.getTime();
    const remainingMs = Math.max(0, totalMs - elapsedMs);
    // Chained timers: a wait of weeks really waits (one Node timer would fire at once).
    if (remainingMs > 0) await sleep(remainingMs, ctx.signal);
    return { outputs: { waitedMs: remainingMs } };
  },
  describeOutputs(outputs) {
    const waitedMs = readCount(outputs.waitedMs);
    return waitedMs === undefined ? [] : [`waited ${formatDuration(waitedMs)}`];
  },
};

/** `with.for` in milliseconds; a value that is no duration (or too long to count) is an error. */
function readWaitDuration(value: unknown): number {
  const ms =
    typeof value === 'string' || typeof value === 'number' ? parseDuration(value) : undefined;
  if (ms === undefined || ms > MAX_DURATION_MS) {
    throw new MiaError(
      'MIA_WAIT_BAD_DURATION',
      `wait: ${JSON.stringify(value)} is not a duration.`,
      {
        hint: `Write \`for\` in ms, s, m or h, like \`for: 30s\` (at most ${MAX_DURATION_MS}ms).`,
        isRetriable: false,
      },
    );
  }
  return ms;
}
