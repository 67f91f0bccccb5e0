// Tells a run as a story while it happens: beats for steps, tensions for failures.

import { randomUUID } from 'node:crypto';
import type { ResolvedStep } from '../definition/types.js';
import type { SerializedError } from '../errors.js';
import type { Beat, BeatType } from '../events/types.js';
import type { EventLog } from '../store/event-log.js';
import { formatDuration } from '../util/duration.js';
import { describeOutputFacts } from './facts.js';

/** Appends `beat.created` and `workflow.tension` events for what the executor reports. */
export class Narrator {
  readonly #events: EventLog;

  constructor(events: EventLog) {
    this.#events = events;
  }

  /** The run begins: its narrative is the inciting incident. */
  tellOpening(narrative: string): void {
    this.#tell('inciting_incident', narrative, 'workflow', null, 'high');
  }

  /** A step succeeded: its beat with the facts it produced, or a transformation after a tension. */
  tellCompleted(
    step: ResolvedStep,
    text: string | undefined,
    outcome: {
      durationMs: number;
      outputs: Record<string, unknown>;
      /** How the step overcame an earlier tension (`on attempt 2`, `after the run was resumed`). */
      overcame: string | undefined;
      isClimax: boolean;
    },
  ): void {
    const facts = [
      ...describeOutputFacts(step.action, outcome.outputs),
      formatDuration(outcome.durationMs),
    ];
    const description = `${text ?? `${step.id} is done`} (${facts.join('; ')})`;
    if (outcome.overcame) {
      this.#tell(
        'transformation',
        `${description}: the tension is resolved ${outcome.overcame}`,
        step.universe,
        step.id,
        'high',
      );
    } else if (outcome.isClimax) {
      this.#tell('climax', description, step.universe, step.id, 'high');
    } else {
      this.#tell('rising_action', description, step.universe, step.id, 'medium');
    }
  }

  /** A step failed: a tension, and a challenge beat. */
  tellTension(
    step: ResolvedStep,
    text: string | undefined,
    error: SerializedError,
    logPath: string,
  ): void {
    const told = text ?? `${step.id} failed`;
    this.#events.append('workflow.tension', {
      stepId: step.id,
      universe: step.universe,
      text: told,
      error,
      logPath,
    });
    this.#tell('challenge', `${told}: ${error.message}`, step.universe, step.id, 'high');
  }

  /** A step was passed by. */
  tellSkipped(step: ResolvedStep, reason: string): void {
    this.#tell('discovery', `${step.id} is passed by: ${reason}`, step.universe, step.id, 'low');
  }

  /** The run reached its desired outcome. */
  tellResolution(narrative: string, durationMs: number): void {
    this.#tell(
      'resolution',
      `${narrative}: achieved in ${formatDuration(durationMs)}`,
      'workflow',
      null,
      'high',
    );
  }

  #tell(
    type: BeatType,
    description: string,
    universe: Beat['universe'],
    stepId: string | null,
    significance: Beat['significance'],
  ): void {
    const beat: Beat = {
      id: randomUUID(),
      type,
      description,
      universe,
      stepId,
      significance,
      timestamp: new Date().toISOString(),
    };
    this.#events.append('beat.created', { beat });
  }
}
