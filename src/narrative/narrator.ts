// Tells a run as a story while it happens: a mia StoryBeat for each step, a tension for each failure.

import { randomUUID } from 'node:crypto';
import type { ResolvedStep, ResolvedWorkflow, Universe } from '../definition/types.js';
import type { SerializedError } from '../errors.js';
import { BEAT_SOURCE, type Beat, type BeatType, SIGNIFICANCE } from '../events/types.js';
import type { EventLog } from '../store/event-log.js';
import { formatDuration } from '../util/duration.js';
import {
  type Annotations,
  annotateCompleted,
  annotateOpening,
  annotateResolution,
  annotateTension,
  type CompletedOutcome,
} from './annotations.js';
import { describeOutputFacts, type OutputDescriber } from './facts.js';

/** How each step ended, as the beats told it. */
type Told = 'completed' | 'skipped' | 'failed';

const TOLD_BY_BEAT: Partial<Record<BeatType, Told>> = {
  rising_action: 'completed',
  climax: 'completed',
  transformation: 'completed',
  discovery: 'skipped',
  challenge: 'failed',
};

/** What a beat is about: its universe and step (null for the run's own), and the event it tells. */
interface About {
  universe: Universe | null;
  stepId: string | null;
  event: string;
  data: Record<string, unknown>;
}

/** Appends `beat.created` and `workflow.tension` events for what the engine reports. */
export class Narrator {
  readonly #events: EventLog;
  readonly #workspace: string;
  readonly #actions: { get(name: string): OutputDescriber | undefined };
  /** Each step's last ending as told, across the run's sessions. */
  readonly #told = new Map<string, Told>();
  /** The challenge beats of each step: a later transformation answers them. */
  readonly #challenges = new Map<string, string[]>();
  #openingId: string | undefined;
  /** Sessions of the run before this one. */
  readonly #priorSessions: number;

  /**
   * Follows on from the beats already in `events` (a resumed run's earlier sessions); `actions`
   * (the run's registry) describe their steps' outputs.
   */
  constructor(
    events: EventLog,
    run: { workspace: string; actions: { get(name: string): OutputDescriber | undefined } },
  ) {
    this.#events = events;
    this.#workspace = run.workspace;
    this.#actions = run.actions;
    let sessions = 0;
    for (const event of events.history) {
      if (event.type === 'workflow.started' || event.type === 'workflow.resumed') sessions++;
      if (event.type === 'beat.created') this.#remember(event.payload.beat);
    }
    this.#priorSessions = sessions;
  }

  /** The run begins: its narrative is the inciting incident. */
  tellOpening(workflow: ResolvedWorkflow, concurrency: number): void {
    this.#tell('inciting_incident', workflow.narrative, SIGNIFICANCE.high, {
      about: this.#aboutRun('workflow.started', { workflow: workflow.name }),
      annotations: annotateOpening(workflow.steps.length, concurrency),
    });
  }

  /** A step succeeded: its beat with the facts it produced, or a transformation after a tension. */
  tellCompleted(step: ResolvedStep, text: string | undefined, outcome: CompletedOutcome): void {
    const facts = describeOutputFacts(this.#actions.get(step.action), outcome.outputs);
    const told = [
      ...facts.filter((fact) => !fact.isDetail).map((fact) => fact.text),
      outcome.reusedFrom
        ? `reused from run ${outcome.reusedFrom}, not run again`
        : formatDuration(outcome.durationMs),
    ];
    // A leg's beat is its step's: it is told with the leg's id, so that each leg's is its own.
    const said =
      text === undefined ? `${step.id} is done` : step.group ? `${step.id}: ${text}` : text;
    const description = `${said} (${told.join('; ')})`;
    const about = this.#aboutStep(step, 'workflow.step.completed', {
      attempt: outcome.attempt,
      durationMs: outcome.durationMs,
    });
    const annotations = annotateCompleted(step, facts, outcome);
    if (outcome.overcame) {
      this.#tell(
        'transformation',
        `${description}: the tension is resolved ${outcome.overcame}`,
        SIGNIFICANCE.high,
        { about, annotations, related: this.#challenges.get(step.id) },
      );
    } else if (outcome.isClimax) {
      this.#tell('climax', description, SIGNIFICANCE.high, { about, annotations });
    } else {
      this.#tell('rising_action', description, SIGNIFICANCE.medium, { about, annotations });
    }
  }

  /** A step failed (`attempt` 0: before it could run): a tension, and a challenge beat. */
  tellTension(
    step: ResolvedStep,
    text: string | undefined,
    error: SerializedError,
    failure: { logPath: string; attempt: number },
  ): void {
    const told =
      text === undefined ? `${step.id} failed` : step.group ? `${step.id}: ${text}` : text;
    this.#events.append('workflow.tension', {
      stepId: step.id,
      universe: step.universe,
      text: told,
      error,
      logPath: failure.logPath,
    });
    this.#tell('challenge', `${told}: ${error.message}`, SIGNIFICANCE.high, {
      about: this.#aboutStep(step, 'workflow.tension', { attempt: failure.attempt }),
      annotations: annotateTension(step, error, { ...failure, workspace: this.#workspace }),
    });
  }

  /** A step was passed by. */
  tellSkipped(step: ResolvedStep, reason: string): void {
    this.#tell('discovery', `${step.id} is passed by: ${reason}`, SIGNIFICANCE.low, {
      about: this.#aboutStep(step, 'workflow.step.skipped', {}),
      annotations: {},
    });
  }

  /** The run reached its desired outcome, after `durationMs` of running over all its sessions. */
  tellResolution(workflow: ResolvedWorkflow, durationMs: number): void {
    const ended = workflow.steps.map((step) => this.#told.get(step.id));
    this.#tell(
      'resolution',
      `${workflow.narrative}: achieved in ${formatDuration(durationMs)}`,
      SIGNIFICANCE.high,
      {
        about: this.#aboutRun('workflow.completed', { workflow: workflow.name, durationMs }),
        annotations: annotateResolution({
          total: workflow.steps.length,
          completed: ended.filter((told) => told === 'completed').length,
          skipped: ended.filter((told) => told === 'skipped').length,
          failed: ended.filter((told) => told === 'failed').length,
          durationMs,
          sessions: this.#priorSessions + 1,
        }),
        related: this.#openingId === undefined ? undefined : [this.#openingId],
      },
    );
  }

  #aboutRun(event: string, data: Record<string, unknown>): About {
    return { universe: null, stepId: null, event, data: { runId: this.#events.runId, ...data } };
  }

  #aboutStep(step: ResolvedStep, event: string, data: Record<string, unknown>): About {
    return {
      universe: step.universe,
      stepId: step.id,
      event,
      data: { runId: this.#events.runId, stepId: step.id, action: step.action, ...data },
    };
  }

  #remember(beat: Beat): void {
    if (beat.type === 'inciting_incident') this.#openingId = beat.id;
    if (beat.stepId === null) return;
    const told = TOLD_BY_BEAT[beat.type];
    if (told) this.#told.set(beat.stepId, told);
    if (beat.type === 'challenge') {
      this.#challenges.set(beat.stepId, [...(this.#challenges.get(beat.stepId) ?? []), beat.id]);
    }
  }

  #tell(
    type: BeatType,
    description: string,
    significance: number,
    told: { about: About; annotations: Annotations; related?: string[] | undefined },
  ): void {
    const { about, annotations, related } = told;
    const beat: Beat = {
      id: randomUUID(),
      type,
      description,
      event: { type: about.event, source: BEAT_SOURCE, data: about.data },
      universeAnnotations: annotations,
      significance,
      session: this.#events.runId,
      workspace: this.#workspace,
      timestamp: new Date().toISOString(),
      ...(related && related.length > 0 ? { relatedBeats: [...related] } : {}),
      universe: about.universe,
      stepId: about.stepId,
    };
    this.#remember(beat);
    this.#events.append('beat.created', { beat });
  }
}
