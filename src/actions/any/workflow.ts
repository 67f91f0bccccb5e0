// The `workflow` action: runs another workflow as a chapter of this one.

import { MiaError } from '../../errors.js';
import { readText } from '../output-facts.js';
import type { ActionAdapter } from '../types.js';

export const workflowAction: ActionAdapter = {
  name: 'workflow',
  universes: ['story', 'engineer', 'ceremony'],
  description: 'Runs another workflow as a chapter: a linked child run, resumed with this step.',
  schema: {
    type: 'object',
    required: ['workflow'],
    additionalProperties: false,
    properties: {
      workflow: {
        type: 'string',
        minLength: 1,
        description: 'The workflow to run: a name or a .yaml file.',
      },
      inputs: {
        type: 'object',
        description: 'Inputs of the chapter.',
        additionalProperties: { type: ['string', 'number', 'boolean'] },
      },
    },
  },
  async run(ctx) {
    const ref = String(ctx.with.workflow);
    const given = (ctx.with.inputs ?? {}) as Record<string, unknown>;
    const inputs = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, String(v)]));
    const chapter = await ctx.runWorkflow(ref, inputs);
    if (chapter.status !== 'completed') {
      throw new MiaError('MIA_CHAPTER_FAILED', `Chapter "${ref}" ended ${chapter.status}.`);
    }
    return {
      outputs: { runId: chapter.runId, workflow: chapter.workflow, steps: chapter.outputs },
    };
  },
  describeOutputs(outputs) {
    const workflow = readText(outputs.workflow);
    if (workflow === undefined) return [];
    const run = readText(outputs.runId);
    return [
      { text: `chapter "${workflow}" told${run ? ` in run ${run}` : ''}`, universe: 'story' },
    ];
  },
};
