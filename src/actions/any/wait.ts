// The `wait` action: a durable pause; a resumed run waits only for what is left.

import { setTimeout as sleep } from 'node:timers/promises';
import { parseDuration } from '../../util/duration.js';
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
    const totalMs = parseDuration(ctx.with.for as string | number) ?? 0;
    const elapsedMs = Date.now() - ctx.firstStartedAt.getTime();
    const remainingMs = Math.max(0, totalMs - elapsedMs);
    if (remainingMs > 0) await sleep(remainingMs, undefined, { signal: ctx.signal });
    return { outputs: { waitedMs: remainingMs } };
  },
};
