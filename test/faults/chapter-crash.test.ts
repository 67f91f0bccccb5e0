// A run killed anywhere in a chapter heals on resume without running the chapter again: a
// chapter that its crashed step had finished is adopted, one cut off goes on where it stopped.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DURABLE_EVENT_TYPES, type MiaEvent } from '../../src/events/types.js';
import { runMia, startCrashingMia } from '../helpers/cli.js';
import { parseRunId } from '../helpers/run-files.js';
import { countByStep, createFaultWorkspace, readEventLog } from './helpers.js';

const PARENT = `name: saga
narrative: "A saga with one chapter"
steps:
  - id: tale
    action: workflow
    with: { workflow: tale, inputs: { who: "hero" } }
`;

const CHILD = `name: tale
narrative: "The chapter"
inputs:
  who: {}
steps:
  - { id: meet, action: shell, with: { run: "echo meet" } }
  - { id: part, action: shell, depends_on: [meet], with: { run: "echo part" } }
`;

const isDurable = (event: MiaEvent) => DURABLE_EVENT_TYPES.has(event.type);

/** The run the user started (the chapter's id extends it). */
async function parentRunId(ws: string): Promise<string> {
  const ids = await readdir(join(ws, '.mia/runs'));
  const parent = ids.find((id) => !ids.some((other) => other !== id && id.startsWith(other)));
  expect(parent).toBeDefined();
  return parent as string;
}

describe('a crash inside a chapter', () => {
  it('never runs a chapter step its run recorded as completed again, wherever the engine died', async () => {
    const clean = await createFaultWorkspace({ saga: PARENT, tale: CHILD });
    const result = await runMia(['workflow', 'run', 'saga'], { cwd: clean });
    expect(result.exitCode, result.stderr).toBe(0);
    const parentId = parseRunId(result.stdout);
    const writes =
      (await readEventLog(clean, parentId)).filter(isDurable).length +
      (await readEventLog(clean, `${parentId}-tale`)).filter(isDurable).length;
    expect(writes).toBeGreaterThanOrEqual(7);

    for (let n = 1; n <= writes; n++) {
      const ws = await createFaultWorkspace({ saga: PARENT, tale: CHILD });
      const crashed = await startCrashingMia(['workflow', 'run', 'saga'], n, { cwd: ws });
      expect(crashed.signal, `crash at write ${n}:\n${crashed.stderr}`).toBe('SIGKILL');
      const runId = await parentRunId(ws);
      const resumed = await runMia(['workflow', 'resume', runId], { cwd: ws });
      expect(resumed.exitCode, `resume after a crash at write ${n}:\n${resumed.stderr}`).toBe(0);
      const chapter = await readEventLog(ws, `${runId}-tale`).catch(() => []);
      const completions = countByStep(chapter, 'workflow.step.completed');
      expect(Object.fromEntries(completions), `crash at write ${n}`).toEqual({ meet: 1, part: 1 });
      // Never started over: a chapter is run from its start only for a new execution of its step.
      const restarts = chapter.filter((e) => e.type === 'workflow.resumed' && e.payload.inputs);
      expect(restarts, `crash at write ${n}`).toEqual([]);
      const parent = await readEventLog(ws, runId);
      expect(parent.at(-1)?.type, `crash at write ${n}`).toBe('workflow.completed');
    }
  });
});
