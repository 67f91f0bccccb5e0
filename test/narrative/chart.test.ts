import { describe, expect, it } from 'vitest';
import { buildChartFromEvents, describeActionTitle } from '../../src/narrative/chart.js';
import {
  getExtensionChartId,
  isShowingLaterRun,
  toExtensionChart,
} from '../../src/narrative/extension-chart.js';
import { describeSteps, RunEvents } from '../helpers/run-events.js';

describe('buildChartFromEvents', () => {
  it('tells where each step stands, with completedAt only on the completed ones', () => {
    const run = new RunEvents()
      .start(['a:', 'b: a', 'c:', 'd:', 'e:'])
      .reach('a', 'completed')
      .reach('b', 'waiting')
      .reach('c', 'failed')
      .reach('d', 'skipped-condition');
    const chart = buildChartFromEvents(run.events);
    expect(chart.actions.map(({ id, reality, completed }) => ({ id, reality, completed }))).toEqual(
      [
        { id: 'a', reality: 'Done in 5ms.', completed: true },
        { id: 'b', reality: 'Waiting at its gate for an answer.', completed: false },
        { id: 'c', reality: 'Failed in 7ms: c broke', completed: false },
        { id: 'd', reality: 'Passed by: its condition "false" is false.', completed: false },
        { id: 'e', reality: 'Not started yet.', completed: false },
      ],
    );
    const aCompleted = run.events.find((event) => event.type === 'workflow.step.completed');
    expect(chart.actions[0]?.completedAt).toBe(aCompleted?.timestamp);
    expect(chart.actions.slice(1).some((action) => 'completedAt' in action)).toBe(false);
    expect(chart).toMatchObject({
      id: run.runId,
      status: 'active',
      metadata: { workspace: '/w', session: run.runId },
      workflow: 'demo',
      runId: run.runId,
    });
  });

  it('observes tensions, resumes and steps passed by, each with the id and time of its event', () => {
    const run = new RunEvents()
      .start(['a:', 'b:'])
      .reach('a', 'failed')
      .reach('b', 'skipped-upstream')
      .add('workflow.failed', { durationMs: 9, failedSteps: ['a'] })
      .add('workflow.resumed', {
        rerun: ['a', 'b'],
        kept: [],
        definitionChanged: false,
        steps: describeSteps(['a:', 'b:']),
        from: null,
        pid: 1,
      });
    const chart = buildChartFromEvents(run.events);
    const byId = new Map(run.events.map((event) => [event.id, event]));
    expect(chart.observations.map((o) => o.text)).toEqual([
      'Tension at a: a failed (a broke)',
      'b passed by: upstream step "x" failed',
      'Resumed: a, b run again.',
    ]);
    for (const observation of chart.observations) {
      expect(observation.timestamp).toBe(byId.get(observation.id)?.timestamp);
    }
    expect(chart.observations.map((o) => o.universe)).toEqual(['engineer', 'engineer', undefined]);
  });

  it('is resolved once the run completes, and says how many steps are complete when not all are', () => {
    const run = new RunEvents()
      .start(['a:', 'b:'])
      .reach('a', 'completed')
      .reach('b', 'skipped-condition')
      .add('workflow.completed', { durationMs: 20 });
    const chart = buildChartFromEvents(run.events);
    expect(chart.status).toBe('resolved');
    expect(chart.reality).toBe('The desired outcome is reached: 1 of 2 steps are complete.');
  });
});

describe('describeActionTitle', () => {
  it.each([
    ['the beat as told', { id: 's', beat: 'Built ${{ inputs.v }}' }, 'Built 1.2', 'Built 1.2'],
    [
      'the beat as written, expressions left out',
      { id: 's', beat: 'Built ${{ inputs.v }}' },
      undefined,
      'Built…',
    ],
    ['the step id without a beat', { id: 's', beat: null }, undefined, 's'],
  ])('gives %s', (_name, step, told, title) => {
    expect(describeActionTitle(step, told)).toBe(title);
  });
});

describe('the extension chart', () => {
  const run = new RunEvents().start(['a:', 'b: a']).reach('a', 'completed');
  const chart = buildChartFromEvents(run.events);

  it('shows the run chart under the workflow’s id, its steps as action steps', () => {
    expect(toExtensionChart(chart)).toEqual({
      id: 'mia-workflow-demo',
      title: 'demo',
      desiredOutcome: chart.outcome,
      currentReality: chart.reality,
      actionSteps: [
        { id: 'a', description: 'a', completed: true, order: 1 },
        { id: 'b', description: 'b', completed: false, order: 2 },
      ],
      created: chart.createdAt,
      modified: chart.updatedAt,
      runId: run.runId,
    });
    expect(getExtensionChartId('a/../b')).toBe('mia-workflow-a%2F..%2Fb');
  });

  it.each([
    ['no file yet', undefined, false],
    ['a torn or foreign file', '{"id":', false],
    [
      'the same run',
      JSON.stringify({ runId: run.runId, created: '2099-01-01T00:00:00.000Z' }),
      false,
    ],
    ['an older run', JSON.stringify({ runId: 'old', created: '2000-01-01T00:00:00.000Z' }), false],
    [
      'a run started after it',
      JSON.stringify({ runId: 'new', created: '2099-01-01T00:00:00.000Z' }),
      true,
    ],
  ])('knows whether the file shows a run started later (%s)', (_name, existing, isLater) => {
    expect(isShowingLaterRun(existing, chart)).toBe(isLater);
  });
});
