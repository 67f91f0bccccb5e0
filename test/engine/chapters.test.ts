// A chapter run in process: linked to its parent, executed as its parent is, and told from the
// result of its execution (and from its state when it had already completed).

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ActionRegistry } from '../../src/actions/registry.js';
import type { ActionAdapter } from '../../src/actions/types.js';
import { loadWorkflow } from '../../src/definition/load.js';
import { runChapter } from '../../src/engine/chapters.js';
import { startRun } from '../../src/engine/lifecycle/start-run.js';
import type { ChapterRequest } from '../../src/engine/lifecycle/types.js';
import { MiaError } from '../../src/errors.js';
import { loadRunState } from '../../src/store/run-events.js';

const PARENT = '20261123-120000-aaaaaa';

/** Returns `with.give` as its outputs; fails when `with.fail` is set. */
const give: ActionAdapter = {
  name: 'give',
  universes: ['engineer'],
  async run(ctx) {
    if (ctx.with.fail === true) throw new Error(`${ctx.stepId} could not give`);
    return { outputs: ctx.with.give as Record<string, unknown> };
  },
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A workspace with workflow `inner` of `steps`, and a chapter request from a parent run's step. */
async function setUp(steps: string[]) {
  const workspace = await mkdtemp(join(tmpdir(), 'mia-chapter-'));
  cleanups.push(() => rm(workspace, { recursive: true, force: true }));
  await mkdir(join(workspace, '.mia/workflows'), { recursive: true });
  const yaml = ['name: inner', 'narrative: "The inner story ends"', 'steps:', ...steps];
  await writeFile(join(workspace, '.mia/workflows/inner.yaml'), `${yaml.join('\n')}\n`);
  const outer = [
    'name: outer',
    'narrative: "The outer story ends"',
    'steps:',
    '  - { id: tell, action: give, with: { give: {} } }',
  ];
  await writeFile(join(workspace, '.mia/workflows/outer.yaml'), `${outer.join('\n')}\n`);
  const registry = new ActionRegistry([give]);
  const parent = await startRun({
    workspace,
    loaded: await loadWorkflow('outer', { workspace, registry }),
    inputs: {},
    concurrency: 2,
    runId: PARENT,
  });
  cleanups.push(async () => {
    await parent.events.close();
    await parent.release();
  });
  const lines: string[] = [];
  const request: ChapterRequest = {
    parent,
    stepId: 'tell',
    firstStartedAt: new Date(),
    ref: 'inner',
    inputs: {},
    signal: new AbortController().signal,
    log: {
      write: (_stream, text) => lines.push(String(text)),
      info: (text) => lines.push(`${text}\n`),
    },
    execution: { registry, runChapter },
  };
  return { workspace, request, lines };
}

describe('runChapter', () => {
  it("returns every step's outputs from the chapter's own execution and tells its steps in the parent's log", async () => {
    const { workspace, request, lines } = await setUp([
      '  - { id: a, action: give, with: { give: { n: 1 } } }',
      '  - { id: b, action: give, depends_on: [a], with: { give: { n: 2 } } }',
    ]);
    const result = await runChapter(request);
    expect(result).toEqual({
      runId: `${PARENT}-tell`,
      workflow: 'inner',
      status: 'completed',
      outputs: { a: { n: 1 }, b: { n: 2 } },
      failedSteps: [],
    });
    expect(lines).toEqual([
      `chapter inner runs as ${PARENT}-tell\n`,
      '[chapter] ✓ a\n',
      '[chapter] ✓ b\n',
    ]);
    expect((await loadRunState(workspace, result.runId)).parent).toEqual({
      runId: PARENT,
      stepId: 'tell',
    });
  });

  it('fails with MIA_CHAPTER_FAILED naming the failed steps and keeping what the chapter produced', async () => {
    const { request } = await setUp([
      '  - { id: a, action: give, with: { give: { n: 1 } } }',
      '  - { id: b, action: give, depends_on: [a], with: { fail: true } }',
    ]);
    const error = await runChapter(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MiaError);
    expect(error).toMatchObject({
      code: 'MIA_CHAPTER_FAILED',
      message: `Chapter "inner" (run ${PARENT}-tell) failed at b.`,
      outputs: { runId: `${PARENT}-tell`, workflow: 'inner', steps: { a: { n: 1 }, b: {} } },
    });
  });

  it('tells a chapter that already completed from its state, running nothing again', async () => {
    const { request, lines } = await setUp([
      '  - { id: a, action: give, with: { give: { n: 1 } } }',
    ]);
    const first = await runChapter(request);
    lines.length = 0;
    expect(await runChapter(request)).toEqual(first);
    expect(lines).toEqual([]);
  });
});
