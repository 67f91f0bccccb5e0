import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBuiltinRegistry } from '../../src/actions/builtin.js';
import { ActionRegistry } from '../../src/actions/registry.js';
import type { ActionAdapter } from '../../src/actions/types.js';
import type { ResolvedStep } from '../../src/definition/types.js';
import type { Beat, MiaEvent } from '../../src/events/types.js';
import { Narrator } from '../../src/narrative/narrator.js';
import { EventLog } from '../../src/store/event-log.js';
import { getStepLogPath } from '../../src/store/paths.js';
import { makeResolvedStep, makeResolvedWorkflow } from '../helpers/resolved-workflow.js';

const RUN_ID = '20261123-172200-3f9a1c';
let workspace: string;

beforeEach(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'mia-narrator-'));
});

afterEach(async () => {
  await rm(workspace, { recursive: true, force: true });
});

/** A narrator on a new (or reopened) log, and the beats it tells. */
async function openNarrator(reopen = false, actions = createBuiltinRegistry()) {
  const log = reopen
    ? await EventLog.open(workspace, RUN_ID)
    : await EventLog.create(workspace, RUN_ID);
  const events: MiaEvent[] = [];
  log.subscribe((event) => events.push(event));
  const narrator = new Narrator(log, { workspace, actions });
  const beats = () =>
    events.flatMap((event) => (event.type === 'beat.created' ? [event.payload.beat] : []));
  return { log, narrator, beats };
}

function step(id: string, overrides: Partial<ResolvedStep> = {}): ResolvedStep {
  return makeResolvedStep(id, [], { action: 'shell', ...overrides });
}

const completed = (outputs: Record<string, unknown>, more = {}) => ({
  durationMs: 1200,
  outputs,
  attempt: 1,
  overcame: undefined,
  isClimax: false,
  ...more,
});

describe('Narrator', () => {
  it('tells a completed test step as a StoryBeat whose engineer line gives the test facts', async () => {
    const { log, narrator, beats } = await openNarrator();
    const test = step('test', { action: 'run-tests' });
    narrator.tellCompleted(
      test,
      'The tests stand',
      completed({ passed: 12, skipped: 1, exitCode: 0 }),
    );
    await log.close();
    expect(beats()).toEqual([
      {
        id: expect.any(String),
        type: 'rising_action',
        description: 'The tests stand (12 tests passed, 1 skipped; 1.2s)',
        event: {
          type: 'workflow.step.completed',
          source: 'mia-workflow',
          data: {
            runId: RUN_ID,
            stepId: 'test',
            action: 'run-tests',
            attempt: 1,
            durationMs: 1200,
          },
        },
        universeAnnotations: { engineer: '12 tests passed, 1 skipped; exit code 0; 1.2s' },
        significance: 0.6,
        session: RUN_ID,
        workspace,
        timestamp: expect.any(String),
        universe: 'engineer',
        stepId: 'test',
      },
    ]);
  });

  it('gives a gate who approved on the ceremony line, and no line to universes with nothing to say', async () => {
    const { log, narrator, beats } = await openNarrator();
    const gate = step('review', { action: 'approve', universe: 'ceremony' });
    narrator.tellCompleted(
      gate,
      'Approved',
      completed({ approved: true, by: 'alice', automatic: false }),
    );
    await log.close();
    expect(beats()[0]?.universeAnnotations).toEqual({ ceremony: 'approved by alice' });
  });

  it('tells the climax and a success after failures on the story line', async () => {
    const { log, narrator, beats } = await openNarrator();
    const ship = step('ship', { universe: 'story' });
    narrator.tellCompleted(ship, 'Shipped', completed({ exitCode: 0 }, { isClimax: true }));
    narrator.tellCompleted(
      step('deploy'),
      'Deployed',
      completed({ exitCode: 0 }, { attempt: 3, overcame: 'on attempt 3' }),
    );
    await log.close();
    const [climax, turn] = beats();
    expect(climax).toMatchObject({
      type: 'climax',
      significance: 0.9,
      universeAnnotations: {
        engineer: 'exit code 0; 1.2s',
        story: 'the end of the longest chain of steps: the story peaks',
      },
    });
    expect(turn).toMatchObject({
      type: 'transformation',
      universeAnnotations: {
        engineer: 'exit code 0; 1.2s, on attempt 3',
        story: 'it failed before, and succeeds on attempt 3',
      },
    });
    expect(turn).not.toHaveProperty('relatedBeats');
  });

  it('tells a tension: where the log is, who rejected, and that the story goes on when allowed to fail', async () => {
    const { log, narrator, beats } = await openNarrator();
    const gate = step('review', { action: 'approve', universe: 'ceremony', continueOnError: true });
    const logPath = getStepLogPath(workspace, RUN_ID, 'review');
    const rejected = { message: 'Rejected by bob: not today', code: 'MIA_GATE_REJECTED' };
    narrator.tellTension(gate, 'The review refuses', rejected, { logPath, attempt: 2 });
    narrator.tellTension(
      step('lint'),
      undefined,
      { message: 'bad input' },
      { logPath, attempt: 0 },
    );
    await log.close();
    const [refusal, early] = beats();
    expect(refusal).toMatchObject({
      type: 'challenge',
      description: 'The review refuses: Rejected by bob: not today',
      universe: 'ceremony',
      universeAnnotations: {
        engineer: `failed on attempt 2; full log: .mia/runs/${RUN_ID}/logs/review.log`,
        ceremony: 'Rejected by bob: not today',
        story: 'allowed to fail (continue_on_error): the story goes on',
      },
    });
    expect(early?.universeAnnotations).toEqual({ engineer: 'failed before it could run' });
  });

  it('tells the run’s own beats with no universe or step, the resolution answering the opening', async () => {
    const { log, narrator, beats } = await openNarrator();
    const steps = [step('a'), step('b'), step('c', { continueOnError: true })];
    const workflow = makeResolvedWorkflow(steps);
    narrator.tellOpening(workflow, 2);
    narrator.tellCompleted(steps[0]!, undefined, completed({}));
    narrator.tellSkipped(steps[1]!, 'its condition "false" is false');
    narrator.tellTension(steps[2]!, undefined, { message: 'no' }, { logPath: 'x.log', attempt: 1 });
    narrator.tellResolution(workflow, 4000);
    await log.close();
    const told = beats();
    const opening = told[0]!;
    const resolution = told.at(-1)!;
    expect(opening).toMatchObject({
      type: 'inciting_incident',
      universe: null,
      stepId: null,
      event: { type: 'workflow.started', data: { runId: RUN_ID, workflow: 'demo' } },
      universeAnnotations: { engineer: '3 steps, at most 2 at once' },
    });
    expect(told.find((beat) => beat.type === 'discovery')).toMatchObject({
      significance: 0.3,
      universeAnnotations: {},
    });
    expect(resolution).toMatchObject({
      type: 'resolution',
      universe: null,
      stepId: null,
      relatedBeats: [opening.id],
      universeAnnotations: {
        engineer: '1 of 3 steps completed, 1 passed by, 1 failed, allowed to; 4.0s',
      },
    });
  });

  it('follows on from a resumed run’s beats: a turn names the challenge it answers, the end counts sessions', async () => {
    const first = await openNarrator();
    first.log.append('workflow.started', {
      workflow: 'demo',
      narrative: 'The demo reaches its end',
      inputs: {},
      steps: [],
      source: { kind: 'workspace', path: '/w/demo.yaml' },
      workspace,
      concurrency: 1,
      pid: 1,
    });
    const load = step('load');
    first.narrator.tellTension(
      load,
      undefined,
      { message: 'missing' },
      { logPath: 'x', attempt: 1 },
    );
    await first.log.close();
    const challenge = first.beats()[0] as Beat;

    const second = await openNarrator(true);
    second.narrator.tellCompleted(
      load,
      undefined,
      completed({}, { overcame: 'after the run was resumed' }),
    );
    second.narrator.tellResolution(makeResolvedWorkflow([load]), 10);
    await second.log.close();
    const [turn, resolution] = second.beats();
    expect(turn).toMatchObject({ type: 'transformation', relatedBeats: [challenge.id] });
    expect(resolution?.universeAnnotations.engineer).toBe(
      '1 of 1 steps completed; 10ms over 2 sessions',
    );
  });

  it("weaves in the facts an action's describeOutputs gives, details on their universe's line only", async () => {
    const count: ActionAdapter = {
      name: 'count-widgets',
      universes: ['story'],
      run: async () => ({}),
      describeOutputs: (outputs) => [
        `${String(outputs.widgets)} widgets counted`,
        { text: 'the ledger agrees', universe: 'ceremony' },
        { text: 'scanned 3 shelves', universe: 'engineer', isDetail: true },
      ],
    };
    const { log, narrator, beats } = await openNarrator(false, new ActionRegistry([count]));
    const shelf = step('shelf', { action: 'count-widgets', universe: 'story' });
    narrator.tellCompleted(shelf, 'Counted', completed({ widgets: 7 }));
    await log.close();
    expect(beats()[0]).toMatchObject({
      description: 'Counted (7 widgets counted; the ledger agrees; 1.2s)',
      universeAnnotations: {
        story: '7 widgets counted',
        ceremony: 'the ledger agrees',
        engineer: 'scanned 3 shelves; 1.2s',
      },
    });
  });

  it('tells a step whose describeOutputs throws or returns no facts, and says why on the engineer line', async () => {
    const throwing: ActionAdapter = {
      name: 'throws',
      universes: ['story'],
      run: async () => ({}),
      describeOutputs: () => {
        throw new Error('outputs.count is undefined');
      },
    };
    const odd = { ...throwing, name: 'odd', describeOutputs: () => ({ text: 'not a list' }) };
    const mixed = { ...throwing, name: 'mixed', describeOutputs: () => ['kept', 42] };
    const later = { ...throwing, name: 'later', describeOutputs: async () => ['too late'] };
    const registry = new ActionRegistry([throwing, odd, mixed, later] as ActionAdapter[]);
    const { log, narrator, beats } = await openNarrator(false, registry);
    for (const action of ['throws', 'odd', 'mixed', 'later']) {
      narrator.tellCompleted(step(action, { action, universe: 'story' }), action, completed({}));
    }
    await log.close();
    const [thrown, notList, partly, promised] = beats();
    expect(thrown?.description).toBe('throws (1.2s)');
    expect(thrown?.universeAnnotations.engineer).toBe(
      'describeOutputs threw outputs.count is undefined; it must return facts: strings or { text, universe?, isDetail? }; 1.2s',
    );
    expect(notList?.universeAnnotations.engineer).toMatch(
      /^describeOutputs returned object, not a list;/,
    );
    expect(partly?.description).toBe('mixed (kept; 1.2s)');
    expect(partly?.universeAnnotations).toMatchObject({
      story: 'kept',
      engineer: expect.stringMatching(/^describeOutputs returned 42 among its facts;/),
    });
    expect(promised?.universeAnnotations.engineer).toMatch(
      /^describeOutputs returned a Promise \(it must not be async\);/,
    );
  });

  it("keeps a step's outputs as they were when its describeOutputs changes what it is given", async () => {
    const meddling: ActionAdapter = {
      name: 'meddles',
      universes: ['engineer'],
      run: async () => ({}),
      describeOutputs: (outputs) => {
        outputs.count = 0;
        (outputs.list as string[]).push('added');
        return [`counted ${String(outputs.count)}`];
      },
    };
    const { log, narrator, beats } = await openNarrator(false, new ActionRegistry([meddling]));
    const outputs = { count: 3, list: ['a'] };
    narrator.tellCompleted(step('count', { action: 'meddles' }), 'Counted', completed(outputs));
    await log.close();
    expect(beats()[0]?.description).toBe('Counted (counted 0; 1.2s)');
    expect(outputs).toEqual({ count: 3, list: ['a'] });
  });
});
