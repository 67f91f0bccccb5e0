// Builds an ActionContext for running one adapter directly in a test.

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { ActionContext, ApprovalAnswer } from '../../src/actions/types.js';

export interface TestContext extends ActionContext {
  /** Everything the action wrote to its log, by stream. */
  written: { stdout: string; stderr: string; info: string[] };
  /** Prompts of the gates the action opened. */
  prompts: string[];
}

/** A context in a fresh temp workdir (unless given), with a log that records what it gets. */
export async function createTestContext(
  overrides: Partial<ActionContext> & { answer?: ApprovalAnswer } = {},
): Promise<TestContext> {
  const workdir = overrides.workdir ?? (await mkdtemp(join(tmpdir(), 'mia-action-')));
  const written = { stdout: '', stderr: '', info: [] as string[] };
  const prompts: string[] = [];
  // Output comes as bytes, cut anywhere: a character split between two chunks is decoded whole.
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  const { answer, ...rest } = overrides;
  return {
    with: {},
    inputs: {},
    signal: new AbortController().signal,
    log: {
      write: (stream, output) => {
        written[stream] += typeof output === 'string' ? output : decoders[stream].write(output);
      },
      info: (text) => written.info.push(text),
    },
    env,
    expressionEnv: {},
    stepId: 'step',
    runId: 'test-run',
    attempt: 1,
    firstStartedAt: new Date(),
    requestApproval: async (prompt) => {
      prompts.push(prompt);
      return answer ?? { approved: true, by: 'test', reason: undefined, automatic: true };
    },
    runWorkflow: async (ref) => {
      throw new Error(`no chapters in this test (asked for "${ref}")`);
    },
    ...rest,
    workdir,
    written,
    prompts,
  };
}
