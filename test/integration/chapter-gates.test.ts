// Chapters seen from the run the user started: `--last`, the runs list, and gates inside chapters
// shown and answered through the parent (CLI), nested chapters included.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspace, runMia } from '../helpers/cli.js';
import { isEvent, startLiveRun } from '../helpers/live-run.js';
import { eventsFor, parseRunId, readRunEvents } from '../helpers/run-files.js';

const SAGA = `name: saga
narrative: "The saga"
steps:
  - { id: prologue, action: shell, with: { run: "echo prologue" } }
  - { id: middle, action: workflow, depends_on: [prologue], with: { workflow: trial } }
  - { id: epilogue, action: shell, depends_on: [middle], with: { run: "echo epilogue" } }
`;

const TRIAL = `name: trial
narrative: "A trial"
steps:
  - { id: face, action: shell, with: { run: "test -f passed.txt" } }
`;

const GATED = `name: gated
narrative: "A chapter that asks"
steps:
  - { id: prepare, action: shell, with: { run: "echo ready" } }
  - { id: ok, action: approve, depends_on: [prepare], with: { prompt: "Publish?" } }
  - { id: publish, action: shell, depends_on: [ok], with: { run: "echo published" } }
`;

const OUTER = `name: outer
narrative: "A chapter holding a chapter"
steps:
  - { id: inner, action: workflow, with: { workflow: gated } }
`;

function parentOf(workflow: string, stepId = 'chapter'): string {
  return `name: release
narrative: "A release"
steps:
  - { id: ${stepId}, action: workflow, with: { workflow: ${workflow} } }
  - { id: after, action: shell, depends_on: [${stepId}], with: { run: "echo after" } }
`;
}

interface Status {
  runId: string;
  status: string;
  parent: { runId: string; stepId: string } | null;
  waitingGates: Array<{ stepId: string; gate: string; prompt: string; command: string }>;
  steps: Array<{ id: string; status: string; gates: Array<{ path: string; prompt: string }> }>;
}

async function readStatus(ws: string, ...args: string[]): Promise<Status> {
  const result = await runMia(['workflow', 'status', ...args, '--json'], { cwd: ws });
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Status;
}

describe('--last and the runs list with chapters', () => {
  it('resumes, shows and tells the run the user started, never its chapter', async () => {
    const ws = await createWorkspace({ saga: SAGA, trial: TRIAL });
    const first = await runMia(['workflow', 'run', 'saga'], { cwd: ws });
    expect(first.exitCode).toBe(1);
    const parentId = parseRunId(first.stdout);

    expect((await readStatus(ws, '--last')).runId).toBe(parentId);
    const story = await runMia(['workflow', 'story', '--last'], { cwd: ws });
    expect(story.stdout).toMatch(/^# saga: The saga/);

    await writeFile(join(ws, 'passed.txt'), 'yes');
    const resumed = await runMia(['workflow', 'resume', '--last'], { cwd: ws });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`run ${parentId}`);
    const status = await readStatus(ws, parentId);
    expect(status.status).toBe('completed');
    expect(status.steps.map((step) => step.status)).toEqual([
      'completed',
      'completed',
      'completed',
    ]);
  });

  it('lists each chapter right under its parent, indented and named by its step', async () => {
    const ws = await createWorkspace({ saga: SAGA, trial: TRIAL });
    await writeFile(join(ws, 'passed.txt'), 'yes');
    const first = parseRunId((await runMia(['workflow', 'run', 'saga'], { cwd: ws })).stdout);
    const second = parseRunId((await runMia(['workflow', 'run', 'saga'], { cwd: ws })).stdout);
    const text = await runMia(['workflow', 'runs'], { cwd: ws });
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines.map((line) => line.split(/\s+/).filter(Boolean)[0])).toEqual([
      first,
      `${first}-middle`,
      second,
      `${second}-middle`,
    ]);
    expect(lines[1]).toMatch(new RegExp(`^  ${first}-middle  └ middle: trial +completed`));
    const json = JSON.parse(
      (await runMia(['workflow', 'runs', '--json'], { cwd: ws })).stdout,
    ) as Status[];
    expect(json.map((run) => [run.runId, run.parent])).toEqual([
      [first, null],
      [`${first}-middle`, { runId: first, stepId: 'middle' }],
      [second, null],
      [`${second}-middle`, { runId: second, stepId: 'middle' }],
    ]);
  });
});

describe('a gate inside a chapter', () => {
  it('is shown in the parent and approved through it, with the command it prints', async () => {
    const ws = await createWorkspace({ release: parentOf('gated'), gated: GATED });
    const run = startLiveRun(['workflow', 'run', 'release'], { cwd: ws });
    await run.waitForEvents(isEvent('workflow.step.waiting', 'chapter'));
    const parentId = run.runId() as string;

    const status = await readStatus(ws, '--last');
    expect(status.runId).toBe(parentId);
    expect(status.steps[0]).toMatchObject({
      id: 'chapter',
      status: 'waiting',
      gates: [{ path: 'chapter/ok', prompt: 'Publish?' }],
    });
    expect(status.waitingGates).toEqual([
      {
        stepId: 'chapter',
        gate: 'chapter/ok',
        prompt: 'Publish?',
        command: `mia workflow approve ${parentId} chapter/ok`,
      },
    ]);
    const text = await runMia(['workflow', 'status', parentId], { cwd: ws });
    expect(text.stdout).toContain('gate chapter/ok: Publish?');
    expect(text.stdout).toContain(`answer with: mia workflow approve ${parentId} chapter/ok`);
    const chapterStatus = await runMia(['workflow', 'status', `${parentId}-chapter`], { cwd: ws });
    expect(chapterStatus.stdout).toContain(`chapter of run ${parentId} (step chapter)`);
    expect(chapterStatus.stdout).toContain(`mia workflow approve ${parentId} chapter/ok`);

    const wrong = await runMia(['workflow', 'approve', parentId, 'chapter'], { cwd: ws });
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toContain(`mia workflow approve ${parentId} chapter/ok`);

    const approved = await runMia(['workflow', 'approve', parentId, 'chapter/ok'], { cwd: ws });
    expect(approved.exitCode, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`chapter/ok approved; run ${parentId}`);
    const result = await run.child;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `⏸ chapter/ok waits: Publish?\n  answer with: mia workflow approve ${parentId} chapter/ok`,
    );
    const events = await readRunEvents(ws, parentId);
    expect(eventsFor(events, 'workflow.step.answered', 'chapter')[0]?.payload).toMatchObject({
      gate: 'chapter/ok',
      approved: true,
    });
    expect((await readStatus(ws, parentId)).status).toBe('completed');
  });

  it('is rejected through the parent: the chapter and the parent fail with the reason', async () => {
    const ws = await createWorkspace({ release: parentOf('gated'), gated: GATED });
    const run = startLiveRun(['workflow', 'run', 'release'], { cwd: ws });
    await run.waitForEvents(isEvent('workflow.step.waiting', 'chapter'));
    const parentId = run.runId() as string;
    const rejected = await runMia(
      ['workflow', 'approve', parentId, 'chapter/ok', '--reject', '--reason', 'not today'],
      { cwd: ws },
    );
    expect(rejected.exitCode, rejected.stderr).toBe(0);
    expect((await run.child).exitCode).toBe(1);
    const chapter = await readStatus(ws, `${parentId}-chapter`);
    expect(chapter.steps.find((step) => step.id === 'ok')?.status).toBe('failed');
    const status = await readStatus(ws, parentId);
    expect(status.steps.map((step) => step.status)).toEqual(['failed', 'skipped']);
    expect(status.waitingGates).toEqual([]);
  });

  it('is answered through the run the user started from two chapters deep', async () => {
    const ws = await createWorkspace({ release: parentOf('outer'), outer: OUTER, gated: GATED });
    const run = startLiveRun(['workflow', 'run', 'release'], { cwd: ws });
    await run.waitForEvents(isEvent('workflow.step.waiting', 'chapter'));
    const parentId = run.runId() as string;
    const status = await readStatus(ws, parentId);
    expect(status.waitingGates.map((gate) => gate.command)).toEqual([
      `mia workflow approve ${parentId} chapter/inner/ok`,
    ]);
    const middle = await readStatus(ws, `${parentId}-chapter`);
    expect(middle.waitingGates.map((gate) => gate.command)).toEqual([
      `mia workflow approve ${parentId} chapter/inner/ok`,
    ]);
    const approved = await runMia(['workflow', 'approve', parentId, 'chapter/inner/ok'], {
      cwd: ws,
    });
    expect(approved.exitCode, approved.stderr).toBe(0);
    const result = await run.child;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      `answer with: mia workflow approve ${parentId} chapter/inner/ok`,
    );
  });

  it('says what is wrong with a path that names no gate', async () => {
    const ws = await createWorkspace({ release: parentOf('gated'), gated: GATED });
    const run = startLiveRun(['workflow', 'run', 'release'], { cwd: ws });
    await run.waitForEvents(isEvent('workflow.step.waiting', 'chapter'));
    const parentId = run.runId() as string;
    const cases: Array<[string, string]> = [
      ['after/ok', 'Step "after" of run'],
      ['chapter/okk', `Run ${parentId}-chapter has no step "okk". Did you mean "ok"?`],
      ['chapter/prepare', 'is not waiting at a gate (it is completed)'],
      ['chapter/../x', 'Invalid step id ".."'],
    ];
    for (const [path, says] of cases) {
      const result = await runMia(['workflow', 'approve', parentId, path], { cwd: ws });
      expect(result.exitCode, path).toBe(2);
      expect(result.stderr, path).toContain(says);
    }
    await runMia(['workflow', 'approve', parentId, 'chapter/ok'], { cwd: ws });
    expect((await run.child).exitCode).toBe(0);
    expect(await readFile(join(ws, '.mia/runs', parentId, 'events.jsonl'), 'utf8')).toContain(
      '"workflow.completed"',
    );
  });
});
