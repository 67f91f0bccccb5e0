import { describe, expect, it } from 'vitest';
import { applyEvent, describeLiveReality } from '../../src/dashboard/apply-event.js';
import type { RunDetail, RunStepView } from '../../src/server/protocol.js';
import { RunEvents } from '../helpers/run-events.js';

function step(id: string, status: RunStepView['status']): RunStepView {
  return {
    id,
    action: 'shell',
    universe: 'engineer',
    beat: null,
    dependsOn: [],
    status,
    attempts: 0,
    durationMs: null,
    error: null,
    skipReason: null,
    continueOnError: false,
    logPath: `.mia/runs/r/logs/${id}.log`,
    gates: [],
  };
}

function detail(steps: RunStepView[], status: RunDetail['status']): RunDetail {
  return {
    runId: 'r',
    workflow: 'demo',
    narrative: 'The demo ends',
    status,
    startedAt: '2026-11-23T10:00:00.000Z',
    updatedAt: '2026-11-23T10:00:00.000Z',
    durationMs: null,
    completed: 0,
    total: steps.length,
    parent: null,
    steps,
    levels: [],
    criticalPath: [],
    reality: '',
    lastSeq: 0,
    tensions: [],
    root: { runId: 'r', prefix: '' },
  };
}

describe('the page following a run', () => {
  it('takes its progress from the mia chart progress', () => {
    const run = detail([step('a', 'running'), step('b', 'pending')], 'running');
    const events = new RunEvents().add('chart.progress', {
      chartId: 'r',
      title: 'demo',
      completedSteps: 1,
      totalSteps: 2,
      percent: 50,
      action: { id: 'a', title: 'a', completed: true },
    });
    applyEvent(run, events.events[0]!);
    expect({ completed: run.completed, total: run.total }).toEqual({ completed: 1, total: 2 });
  });

  it('says how many steps are complete when a completed run passed some by, never "all"', () => {
    const run = detail([step('a', 'completed'), step('b', 'skipped')], 'completed');
    expect(describeLiveReality(run)).toBe(
      'The desired outcome is reached: 1 of 2 steps are complete.',
    );
    run.steps[1]!.status = 'completed';
    expect(describeLiveReality(run)).toBe(
      'The desired outcome is reached: all 2 steps are complete.',
    );
  });
});
