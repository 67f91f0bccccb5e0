// Builds a run's event log by hand, for tests of folding and resume planning.

import {
  type EventPayloads,
  type EventType,
  getEventChannel,
  getTraceId,
  type MiaEvent,
  type StartedStep,
} from '../../src/events/types.js';

/** What a step reached before the run stopped; `pending` means it never started. */
export type ReachedStatus =
  | 'pending'
  | 'running'
  | 'waiting'
  | 'completed'
  | 'failed'
  | 'interrupted'
  | 'skipped-upstream'
  | 'skipped-condition';

/** A growing event log: numbered from 1, one second apart. */
export class RunEvents {
  readonly events: MiaEvent[] = [];
  readonly runId: string;

  constructor(runId = '20261123-100000-abcdef') {
    this.runId = runId;
  }

  add<T extends EventType>(type: T, payload: EventPayloads[T]): this {
    const seq = this.events.length + 1;
    this.events.push({
      v: 2,
      id: `event-${seq}`,
      seq,
      type,
      channel: getEventChannel(this.runId, type),
      runId: this.runId,
      traceId: getTraceId(this.runId),
      timestamp: timestampOf(seq),
      payload,
    } as MiaEvent);
    return this;
  }

  /** `workflow.started` for steps given as `id: deps` lines (hash `h-<id>`). */
  start(lines: string[]): this {
    return this.add('workflow.started', {
      workflow: 'demo',
      narrative: 'The demo reaches its end',
      inputs: { tag: 'v1' },
      steps: describeSteps(lines),
      source: { kind: 'workspace', path: '/w/.mia/workflows/demo.yaml' },
      workspace: '/w',
      concurrency: 3,
      pid: 4242,
    });
  }

  /** `workflow.resumed` by another process, running `rerun` again. */
  resume(rerun: string[]): this {
    return this.add('workflow.resumed', {
      rerun,
      kept: [],
      definitionChanged: false,
      steps: [],
      from: null,
      pid: 4242,
    });
  }

  /** The events that bring a step to `status`. */
  reach(stepId: string, status: ReachedStatus): this {
    const started = { stepId, universe: 'engineer', action: 'shell', attempt: 1 } as const;
    const failed = {
      stepId,
      durationMs: 7,
      error: { message: `${stepId} broke` },
      attempt: 1,
      continueOnError: false,
    };
    switch (status) {
      case 'pending':
        return this;
      case 'running':
        return this.add('workflow.step.started', started);
      case 'waiting':
        return this.add('workflow.step.started', started).add('workflow.step.waiting', {
          stepId,
          prompt: 'Go?',
        });
      case 'completed':
        return this.add('workflow.step.started', started).add('workflow.step.completed', {
          stepId,
          durationMs: 5,
          outputs: { from: stepId },
          attempt: 1,
        });
      case 'failed':
        return this.add('workflow.step.started', started)
          .add('workflow.step.failed', { ...failed, interrupted: false })
          .add('workflow.tension', {
            stepId,
            universe: 'engineer',
            text: `${stepId} failed`,
            error: failed.error,
            logPath: `/w/.mia/runs/${this.runId}/logs/${stepId}.log`,
          });
      case 'interrupted':
        return this.add('workflow.step.started', started).add('workflow.step.failed', {
          ...failed,
          interrupted: true,
        });
      case 'skipped-upstream':
        return this.add('workflow.step.skipped', {
          stepId,
          reason: 'upstream step "x" failed',
          cause: 'upstream',
        });
      case 'skipped-condition':
        return this.add('workflow.step.skipped', {
          stepId,
          reason: 'its condition "false" is false',
          cause: 'condition',
        });
    }
  }
}

/** The timestamp of the event numbered `seq`. */
export function timestampOf(seq: number): string {
  return new Date(Date.UTC(2026, 10, 23, 10, 0, seq)).toISOString();
}

/** Steps from `id: deps` lines; a `*` after the id changes its hash (`b*: a`). */
export function describeSteps(lines: string[]): StartedStep[] {
  return lines.map((line) => {
    const [head = '', deps = ''] = line.split(':');
    const id = head.trim().replace('*', '');
    return {
      id,
      action: 'shell',
      universe: 'engineer',
      beat: null,
      depends_on: deps.split(' ').filter(Boolean),
      hash: head.includes('*') ? `h-${id}-changed` : `h-${id}`,
    };
  });
}
