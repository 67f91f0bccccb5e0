import { describe, expect, it } from 'vitest';
import type { Beat } from '../../src/events/types.js';
import { renderStory } from '../../src/narrative/story.js';
import { describeSteps, RunEvents, timestampOf } from '../helpers/run-events.js';

function beat(stepId: string | null, type: Beat['type'], description: string): { beat: Beat } {
  return {
    beat: {
      id: `beat-${description}`,
      type,
      description,
      event: { type: 'workflow.step.completed', source: 'mia-workflow', data: {} },
      universeAnnotations: {},
      significance: 0.6,
      session: 'run',
      timestamp: timestampOf(1),
      universe: stepId === null ? null : 'engineer',
      stepId,
    },
  };
}

const started = (stepId: string, attempt: number) =>
  ({ stepId, universe: 'engineer', action: 'shell', attempt }) as const;

describe('the story of a step that was tried again', () => {
  it('tells each try under the step it belongs to, not under what was told last', () => {
    const { events } = new RunEvents()
      .start(['prepare:', 'flaky: prepare'])
      .add('beat.created', beat(null, 'inciting_incident', 'The demo begins'))
      .reach('prepare', 'completed')
      .add('beat.created', beat('prepare', 'rising_action', 'Prepared'))
      .add('workflow.step.started', started('flaky', 1))
      .add('workflow.step.retrying', {
        stepId: 'flaky',
        attempt: 2,
        delayMs: 10,
        error: { message: 'flaked' },
      })
      .add('workflow.step.started', started('flaky', 2))
      .add('workflow.step.completed', { stepId: 'flaky', durationMs: 5, outputs: {}, attempt: 2 })
      .add('beat.created', beat('flaky', 'transformation', 'The flaky step holds'))
      .add('workflow.completed', { durationMs: 30 });
    const story = renderStory(events, '/w');
    expect(story).toContain(
      [
        '- **Rising action** *[engineer]* · Prepared',
        '- **Transformation** *[engineer]* · The flaky step holds',
        '  - Tried again (attempt 2) after: flaked',
      ].join('\n'),
    );
    expect(story).toContain('| flaky | engineer | completed | 2 | 5ms |');
  });

  it('tells the tries of a step cut off while it retried when its session ends', () => {
    const { events } = new RunEvents()
      .start(['flaky:'])
      .add('workflow.step.started', started('flaky', 1))
      .add('workflow.step.retrying', {
        stepId: 'flaky',
        attempt: 2,
        delayMs: 10_000,
        error: { message: 'flaked' },
      })
      .add('workflow.interrupted', { durationMs: 20, signal: 'SIGINT' });
    expect(renderStory(events, '/w')).toContain(
      '- `flaky` · Tried again (attempt 2) after: flaked\n\n*Interrupted (SIGINT) after 20ms.*',
    );
  });
});

describe('the table of steps', () => {
  it('counts the attempts of a step that ran again on resume', () => {
    const log = new RunEvents()
      .start(['a:'])
      .reach('a', 'failed')
      .add('workflow.failed', { durationMs: 9, failedSteps: ['a'] })
      .add('workflow.resumed', {
        rerun: ['a'],
        kept: [],
        definitionChanged: false,
        steps: describeSteps(['a:']),
        from: null,
        pid: 2,
      })
      .reach('a', 'completed')
      .add('workflow.completed', { durationMs: 5 });
    expect(renderStory(log.events, '/w')).toContain('| a | engineer | completed | 2 | 5ms |');
  });
});
