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

  it('runs a completed chapter again from its start when its step runs again (--from), instead of saying it ran', async () => {
    const ws = await createWorkspace({
      parent: PARENT,
      child: CHILD.replace('; exit 1', ''),
    });
    const first = await runMia(['workflow', 'run', 'parent'], { cwd: ws });
    expect(first.exitCode, first.stderr).toBe(0);
    const parentId = parseRunId(first.stdout);
    const again = await runMia(['workflow', 'resume', parentId, '--from', 'middle'], { cwd: ws });
    expect(again.exitCode, again.stderr).toBe(0);
    // Every step of the chapter ran twice: once per execution of its step.
    expect(await readMarkers(join(ws, 'ran.txt'))).toEqual([
      'prologue',
      'meet-hero',
      'trial',
      'meet-hero',
      'trial',
    ]);
    const childEvents = await readRunEvents(ws, `${parentId}-middle`);
    const resumed = childEvents.filter((e) => e.type === 'workflow.resumed');
    expect(resumed.map((e) => e.payload.rerun)).toEqual([['meet', 'trial']]);
    const log = await readFile(join(ws, '.mia/runs', parentId, 'logs/middle.log'), 'utf8');
    expect(log).toContain(
      '[mia] chapter child runs again from its start: step "middle" runs again.',
    );
  });

  it('gives a chapter the inputs its step gives it now when the step changed, not those it first had', async () => {
    const ws = await createWorkspace({
      parent: PARENT,
      child: CHILD.replace('exit 1', 'test ${{ inputs.who }} = villain'),
    });
    const first = await runMia(['workflow', 'run', 'parent'], { cwd: ws });
    expect(first.exitCode).toBe(1);
    const parentId = parseRunId(first.stdout);
    const file = join(ws, '.mia/workflows/parent.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('who: "hero"', 'who: "villain"'));
    const resumed = await runMia(['workflow', 'resume', parentId], { cwd: ws });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(await readMarkers(join(ws, 'ran.txt'))).toEqual([
      'prologue',
      'meet-hero',
      'trial',
      'meet-villain',
      'trial',
    ]);
    const status = await runMia(['workflow', 'status', `${parentId}-middle`, '--json'], {
      cwd: ws,
    });
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'completed' });
    const childEvents = await readRunEvents(ws, `${parentId}-middle`);
    expect(childEvents.find((e) => e.type === 'workflow.resumed')?.payload.inputs).toEqual({
      who: 'villain',
    });
  });

  it('refuses to resume a chapter run as another workflow than the one it holds', async () => {
    const other = CHILD.replace('name: child', 'name: other');
    const ws = await createWorkspace({ parent: PARENT, child: CHILD, other });
    const first = await runMia(['workflow', 'run', 'parent'], { cwd: ws });
    expect(first.exitCode).toBe(1);
    const parentId = parseRunId(first.stdout);
    const file = join(ws, '.mia/workflows/parent.yaml');
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace('workflow: child', 'workflow: other'),
    );
    const resumed = await runMia(['workflow', 'resume', parentId], { cwd: ws });
    expect(resumed.exitCode).toBe(1);
    const events = await readRunEvents(ws, parentId);
    const failure = eventsFor(events, 'workflow.step.failed', 'middle').at(-1);
    expect(failure?.payload.error).toMatchObject({
      code: 'MIA_CHAPTER_OTHER_WORKFLOW',
      message: `Step "middle" now runs workflow "other", but its chapter run ${parentId}-middle is workflow "child".`,
    });
  });

  it('refuses a chapter whose workflow, named by an expression, is one the run is already inside', async () => {
    const ws = await createWorkspace({
      outer: `name: outer
narrative: "Outer"
inputs:
  next: { default: "inner" }
steps:
  - id: go
    action: workflow
    with: { workflow: "\${{ inputs.next }}", inputs: { next: "outer" } }
`,
      inner: `name: inner
narrative: "Inner"
inputs:
  next: {}
steps:
  - id: back
    action: workflow
    with: { workflow: "\${{ inputs.next }}" }
`,
    });
    const result = await runMia(['workflow', 'run', 'outer'], { cwd: ws });
    expect(result.exitCode).toBe(1);
    const runId = parseRunId(result.stdout);
    const inner = await readRunEvents(ws, `${runId}-go`);
    expect(eventsFor(inner, 'workflow.step.failed', 'back')[0]?.payload.error).toMatchObject({
      code: 'MIA_CHAPTER_RECURSION',
      message: 'Chapter "outer" would run inside itself: outer -> inner -> outer.',
    });
    // No third run: the recursion stopped before it started one.
    expect(await readRunEvents(ws, `${runId}-go-back`).catch(() => 'none')).toBe('none');
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
