// The built-in engine actions run the shared adapter contract.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitAction } from '../../src/actions/any/wait.js';
import { workflowAction } from '../../src/actions/any/workflow.js';
import { BUILTIN_ACTIONS } from '../../src/actions/builtin.js';
import { approveAction } from '../../src/actions/ceremony/approve.js';
import { shellAction } from '../../src/actions/engineer/shell.js';
import { PACKAGE_ROOT } from '../helpers/cli.js';
import { describeActionContract } from './contract.js';

describeActionContract({
  adapter: shellAction,
  validWith: [{ run: 'echo hi' }, { run: 'ls', cwd: 'sub' }],
  invalidWith: [{}, { run: '' }, { run: 'x', shell: 'bash' }, { run: 42 }],
  success: { with: { run: 'echo "answer=42" >> "$MIA_OUTPUT"; echo done' } },
  failure: { with: { run: 'echo broken >&2; exit 7' } },
  abortable: { with: { run: 'sleep 30' } },
});

describeActionContract({
  adapter: waitAction,
  validWith: [{ for: '10s' }, { for: 250 }, { for: '1.5m' }],
  invalidWith: [{}, { for: 'soon' }, { for: -1 }, { for: '5s', extra: true }],
  success: { with: { for: '10ms' } },
  abortable: { with: { for: '30s' } },
});

describeActionContract({
  adapter: approveAction,
  validWith: [{}, { prompt: 'Ship it?' }],
  invalidWith: [{ prompt: 3 }, { prompt: 'ok', extra: 1 }],
  success: { with: { prompt: 'Ship it?' } },
  failure: {
    with: { prompt: 'Ship it?' },
    context: {
      requestApproval: async () => ({
        approved: false,
        by: 'ada',
        reason: 'not yet',
        automatic: false,
      }),
    },
  },
});

describeActionContract({
  adapter: workflowAction,
  validWith: [{ workflow: 'child' }, { workflow: 'child.yaml', inputs: { who: 'ada', n: 2 } }],
  invalidWith: [{}, { workflow: '' }, { workflow: 'x', inputs: { deep: { no: 1 } } }],
  success: {
    with: { workflow: 'child', inputs: { who: 'ada' } },
    context: {
      runWorkflow: async (ref) => ({
        runId: 'parent-step',
        workflow: ref,
        status: 'completed',
        outputs: { greet: { said: 'hi' } },
        failedSteps: [],
      }),
    },
  },
  failure: {
    with: { workflow: 'child' },
    context: {
      runWorkflow: async (ref) => ({
        runId: 'parent-step',
        workflow: ref,
        status: 'interrupted',
        outputs: {},
        failedSteps: [],
      }),
    },
  },
});

describe('the built-in actions tell the narrative their own facts', () => {
  it('gives every built-in action a describeOutputs', () => {
    for (const action of BUILTIN_ACTIONS) {
      expect(typeof action.describeOutputs, action.name).toBe('function');
    }
  });

  it('leaves the narrative knowing no action by name', async () => {
    const dir = join(PACKAGE_ROOT, 'src/narrative');
    for (const file of await readdir(dir)) {
      const text = await readFile(join(dir, file), 'utf8');
      for (const action of BUILTIN_ACTIONS) {
        expect(text, `src/narrative/${file} names "${action.name}"`).not.toMatch(
          new RegExp(`['"\`]${action.name}['"\`]`),
        );
      }
    }
  });
});
