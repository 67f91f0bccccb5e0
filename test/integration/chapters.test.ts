// The `workflow` action: another workflow runs as a linked chapter, and resumes with its step.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspace, runMia } from '../helpers/cli.js';
import { eventsFor, parseRunId, readMarkers, readRunEvents } from '../helpers/run-files.js';

const PARENT = `name: parent
narrative: "The saga"
steps:
  - { id: prologue, action: shell, with: { run: "echo prologue >> ran.txt" } }
  - id: middle
    action: workflow
    depends_on: [prologue]
    with: { workflow: child, inputs: { who: "hero" } }
  - id: epilogue
    action: shell
    depends_on: [middle]
    with: { run: "echo \${{ steps.middle.outputs.runId }} > chapter-id.txt" }
`;

const CHILD = `name: child
narrative: "A chapter"
inputs:
  who: {}
steps:
  - { id: meet, action: shell, with: { run: "echo meet-\${{ inputs.who }} >> ran.txt" } }
  - { id: trial, action: shell, depends_on: [meet], with: { run: "echo trial >> ran.txt; exit 1" } }
`;

describe('chapters', () => {
  it('runs another workflow as a linked child run and resumes it when the parent resumes', async () => {
    const ws = await createWorkspace({ parent: PARENT, child: CHILD });
    const first = await runMia(['workflow', 'run', 'parent'], { cwd: ws });
    expect(first.exitCode).toBe(1);
    const parentId = parseRunId(first.stdout);
    const childId = `${parentId}-middle`;
    const childEvents = await readRunEvents(ws, childId);
    expect(childEvents[0]?.payload.parent).toEqual({ runId: parentId, stepId: 'middle' });
    const parentEvents = await readRunEvents(ws, parentId);
    const failure = eventsFor(parentEvents, 'workflow.step.failed', 'middle')[0];
    expect((failure!.payload.error as { message: string }).message).toContain(`run ${childId}`);
    const logged = eventsFor(parentEvents, 'workflow.step.log', 'middle')
      .map((e) => e.payload.text)
      .join('');
    expect(logged).toContain('[chapter] ✓ meet');

    const file = join(ws, '.mia/workflows/child.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('; exit 1', ''));
    const resumed = await runMia(['workflow', 'resume', parentId], { cwd: ws });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    // The chapter's completed step was kept: "meet" ran once.
    expect(await readMarkers(join(ws, 'ran.txt'))).toEqual([
      'prologue',
      'meet-hero',
      'trial',
      'trial',
    ]);
    expect(await readMarkers(join(ws, 'chapter-id.txt'))).toEqual([childId]);
    const childAfter = await readRunEvents(ws, childId);
    expect(childAfter.at(-1)?.type).toBe('workflow.completed');
  });

  it('refuses a workflow that includes itself through another one, before anything runs', async () => {
    const ws = await createWorkspace({
      ping: 'name: ping\nnarrative: "Ping"\nsteps:\n  - { id: call, action: workflow, with: { workflow: pong } }\n',
      pong: 'name: pong\nnarrative: "Pong"\nsteps:\n  - { id: back, action: workflow, with: { workflow: ping } }\n',
    });
    const result = await runMia(['workflow', 'run', 'ping'], { cwd: ws });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('ping -> pong -> ping');
    expect(result.stderr).toMatch(/\.mia\/workflows\/ping\.yaml:4:\d+:/);
  });
});
