// The local step executor keeps the executor contract, and runs attempts through the registry's adapters.

import { describe, expect, it } from 'vitest';
import { ActionRegistry } from '../../../src/actions/registry.js';
import type { ActionAdapter } from '../../../src/actions/types.js';
import { LocalStepExecutor } from '../../../src/engine/executors/local.js';
import { MiaError } from '../../../src/errors.js';
import { createTestContext } from '../../helpers/action-context.js';
import { makeResolvedStep } from '../../helpers/resolved-workflow.js';
import { describeStepExecutorContract } from './executor.contract.js';

describeStepExecutorContract('LocalStepExecutor', ({ registry }) => ({
  executor: new LocalStepExecutor(registry),
}));

/** An action that echoes `with.say` as its output, or throws `with.fail` with outputs. */
const echo: ActionAdapter = {
  name: 'echo',
  universes: ['engineer'],
  async run(ctx) {
    if (typeof ctx.with.fail === 'string') {
      throw new MiaError('MIA_TEST_ECHO', ctx.with.fail, { outputs: { half: 'done' } });
    }
    return { outputs: { said: ctx.with.say, attempt: ctx.attempt } };
  },
};

describe('LocalStepExecutor', () => {
  const executor = new LocalStepExecutor(new ActionRegistry([echo]));
  const step = makeResolvedStep('speak', [], { action: 'echo' });

  it('takes every step', () => {
    expect(executor.accepts()).toBe(true);
  });

  it("runs the step's adapter with the attempt's context and hands back its outputs", async () => {
    const context = await createTestContext({ with: { say: 'hi' }, attempt: 2 });
    expect(await executor.runAttempt(step, context)).toEqual({
      status: 'completed',
      outputs: { said: 'hi', attempt: 2 },
    });
  });

  it('reports what the adapter threw as a failure that keeps its outputs', async () => {
    const context = await createTestContext({ with: { fail: 'no voice' } });
    const result = await executor.runAttempt(step, context);
    expect(result).toMatchObject({ status: 'failed', outputs: { half: 'done' } });
    const error = result.status === 'failed' ? result.error : undefined;
    expect(error).toBeInstanceOf(MiaError);
    expect(error).toMatchObject({ code: 'MIA_TEST_ECHO', message: 'no voice' });
  });

  it('reports an unknown action as a failure no retry can mend', async () => {
    const unknown = makeResolvedStep('a', [], { action: 'nowhere' });
    const result = await executor.runAttempt(unknown, await createTestContext());
    const error = result.status === 'failed' ? result.error : undefined;
    expect(error).toBeInstanceOf(MiaError);
    expect(error).toMatchObject({
      code: 'MIA_ACTION_UNKNOWN',
      message: 'Unknown action "nowhere".',
      isRetriable: false,
    });
  });
});
