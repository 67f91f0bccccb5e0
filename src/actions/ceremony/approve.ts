// The `approve` action: a human gate, answered with `mia workflow approve`, the dashboard, or `--yes`.

import { MiaError } from '../../errors.js';
import { readText } from '../output-facts.js';
import type { ActionAdapter, ApprovalAnswer, OutputFact } from '../types.js';

/** Turns a gate's answer into outputs, or a rejection into a non-retriable error. */
export function settleApproval(stepId: string, answer: ApprovalAnswer): Record<string, unknown> {
  if (!answer.approved) {
    throw new MiaError(
      'MIA_GATE_REJECTED',
      `Rejected by ${answer.by}${answer.reason ? `: ${answer.reason}` : ''}`,
      {
        hint: `Address the reason, then resume the run to ask again (it re-opens the gate "${stepId}").`,
        isRetriable: false,
      },
    );
  }
  return {
    approved: true,
    by: answer.by,
    automatic: answer.automatic,
    ...(answer.reason ? { reason: answer.reason } : {}),
  };
}

export const approveAction: ActionAdapter = {
  name: 'approve',
  universes: ['ceremony', 'engineer', 'story'],
  description: 'A human gate: waits until a person approves or rejects.',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      prompt: { type: 'string', description: 'The question shown to whoever answers the gate.' },
    },
  },
  async run(ctx) {
    const prompt =
      typeof ctx.with.prompt === 'string' ? ctx.with.prompt : `Approve "${ctx.stepId}"?`;
    const answer = await ctx.requestApproval(prompt);
    return { outputs: settleApproval(ctx.stepId, answer) };
  },
  describeOutputs: (outputs) => describeApproval(readText(outputs.by), outputs.automatic),
};

/** `approved by alice` (`(automatically)` for --yes), told by the ceremony; nothing without a name. */
export function describeApproval(by: string | undefined, automatic: unknown): OutputFact[] {
  if (by === undefined) return [];
  return [
    { text: `approved by ${by}${automatic ? ' (automatically)' : ''}`, universe: 'ceremony' },
  ];
}
