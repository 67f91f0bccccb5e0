// The same runs read by every surface: `status` (text and JSON), `runs`, the HTTP API's run list
// and detail, a chapter's result, story.md, and the page's own fold. Each must show what the case
// says a person sees, so no surface can drift from the others again.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pc from 'picocolors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runsCommand } from '../../src/cli/commands/runs.js';
import { statusCommand, summarizeRun } from '../../src/cli/commands/status.js';
import { storyCommand } from '../../src/cli/commands/story.js';
import type { CommandContext } from '../../src/cli/context.js';
import { RunView } from '../../src/dashboard/run-view.js';
import { STEP_STATUSES } from '../../src/events/statuses.js';
import type { RunDetail } from '../../src/server/protocol.js';
import { listRunItems, toRunDetail } from '../../src/server/run-views.js';
import { loadRun } from '../../src/store/load-run.js';
import { toChapterResult } from '../../src/view/summary.js';
import { RUN_CASES, type ShownRun, writeRunCases } from '../helpers/run-cases.js';

let workspace: string;
let release: () => Promise<void>;

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'mia-surfaces-'));
  release = await writeRunCases(workspace);
});

afterAll(async () => {
  await release?.();
  await rm(workspace, { recursive: true, force: true });
});

/** Runs a CLI command in this process and returns what it printed on stdout. */
async function runCommand(command: (ctx: CommandContext) => Promise<number>): Promise<string> {
  let out = '';
  const ctx: CommandContext = {
    workspace,
    io: {
      out: (text) => (out += text),
      err: () => {},
      isTty: false,
      colors: pc.createColors(false),
    },
    getRegistry: () => Promise.reject(new Error('no action is needed to read a run')),
    eventLogFs: undefined,
  };
  expect(await command(ctx)).toBe(0);
  return out;
}

/** The facts of a run detail (the HTTP API's, or the page's own). */
function readDetail(detail: RunDetail): Partial<ShownRun> {
  return {
    status: detail.status,
    progress: `${detail.completed}/${detail.total}`,
    steps: Object.fromEntries(detail.steps.map((step) => [step.id, step.status])),
    attempts: Object.fromEntries(
      detail.steps.filter((step) => step.attempts > 1).map((step) => [step.id, step.attempts]),
    ),
    reality: detail.reality,
    openTensions: detail.tensions.filter((t) => !t.isResolved).map((t) => t.stepId),
    gateCommands: detail.steps.flatMap((step) => step.gates.map((gate) => gate.command)),
  };
}

/** The facts `mia workflow status` prints. */
function readStatusText(text: string): Partial<ShownRun> {
  const lines = text.split('\n');
  const steps = lines
    .map((line) => /^ {2}(\w+) +(\S+) *(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .filter((match) => STEP_STATUSES.some((status) => status === match[1]));
  return {
    status: /^run \S+ · \S+ · (\w+)/.exec(lines[0] ?? '')?.[1] as ShownRun['status'],
    progress: /^(\d+\/\d+) steps completed/m.exec(text)?.[1],
    steps: Object.fromEntries(steps.map((match) => [match[2], match[1]])),
    attempts: Object.fromEntries(
      steps.flatMap((match) => {
        const attempts = /(\d+) attempts/.exec(match[3] ?? '')?.[1];
        return attempts ? [[match[2], Number(attempts)]] : [];
      }),
    ),
    gateCommands: [...text.matchAll(/^ {2}answer with: (.+?) \[--reject/gm)].map((m) => m[1] ?? ''),
  };
}

/** The facts of story.md: its current reality, and each step's status and attempts. */
function readStory(markdown: string): Partial<ShownRun> {
  const rows = [...markdown.matchAll(/^\| (\S+) \| \w+ \| (\w+) \| (\d+) \| /gm)];
  return {
    reality: /^> \*\*Current reality:\*\* (.*)$/m.exec(markdown)?.[1],
    steps: Object.fromEntries(rows.map((row) => [row[1], row[2]])),
    attempts: Object.fromEntries(
      rows.filter((row) => Number(row[3]) > 1).map((row) => [row[1], Number(row[3])]),
    ),
  };
}

function pick(shown: ShownRun, keys: ReadonlyArray<keyof ShownRun>): Partial<ShownRun> {
  return Object.fromEntries(keys.map((key) => [key, shown[key]]));
}

describe.each(RUN_CASES)('the $name run', (run) => {
  it('reads the same on `status --json`, `status` and `runs`', async () => {
    const summary = JSON.parse(JSON.stringify(await summarizeRun(workspace, run.runId)));
    expect({
      status: summary.status,
      progress: `${summary.completed}/${summary.total}`,
      steps: Object.fromEntries(summary.steps.map((s: ShownStep) => [s.id, s.status])),
      attempts: Object.fromEntries(
        summary.steps
          .filter((s: ShownStep) => s.attempts > 1)
          .map((s: ShownStep) => [s.id, s.attempts]),
      ),
      gateCommands: summary.waitingGates.map((gate: { command: string }) => gate.command),
    }).toEqual(pick(run.shown, ['status', 'progress', 'steps', 'attempts', 'gateCommands']));

    const text = await runCommand((ctx) => statusCommand(ctx, run.runId, {}));
    expect(readStatusText(text)).toEqual(
      pick(run.shown, ['status', 'progress', 'steps', 'attempts', 'gateCommands']),
    );

    const history = await runCommand((ctx) => runsCommand(ctx, {}));
    const row = history.split('\n').find((line) => line.trim().startsWith(run.runId)) ?? '';
    const [, status, progress, duration] =
      /^\s*\S+\s+(?:└ \S+ )?\S+\s+(\w+)(?: \([^)]*\))?\s+(\d+\/\d+)\s+\S+ {2}(.*)$/.exec(row) ?? [];
    expect({ status, progress, duration }).toEqual(
      pick(run.shown, ['status', 'progress', 'duration']),
    );
  });

  it('reads the same in the HTTP API, the page, a chapter result and story.md', async () => {
    const loaded = await loadRun(workspace, run.runId);
    const detail = JSON.parse(JSON.stringify(await toRunDetail(loaded, workspace))) as RunDetail;
    const shown = pick(run.shown, [
      'status',
      'progress',
      'steps',
      'attempts',
      'reality',
      'openTensions',
      'gateCommands',
    ]);
    expect(readDetail(detail)).toEqual(shown);

    const listed = (await listRunItems(workspace)).find((item) => item.runId === run.runId);
    expect({ status: listed?.status, progress: `${listed?.completed}/${listed?.total}` }).toEqual(
      pick(run.shown, ['status', 'progress']),
    );

    // The page folds the events itself, one by one, on top of the detail it fetched.
    const page = new RunView(run.runId);
    page.setSnapshot(detail);
    for (const event of [...loaded.events].reverse()) page.accept(event);
    expect(page.live).toEqual(detail);

    expect({ chapter: toChapterResult(loaded.state) }).toMatchObject({
      chapter: run.shown.chapter,
    });

    const story = await runCommand((ctx) => storyCommand(ctx, run.runId, {}));
    expect(readStory(story)).toEqual(pick(run.shown, ['reality', 'steps', 'attempts']));
  });
});

interface ShownStep {
  id: string;
  status: string;
  attempts: number;
}
