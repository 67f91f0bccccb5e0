// Keeps story.md and the STC chart of a run up to date as its events are published.

import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { MiaEvent } from '../events/types.js';
import type { EventLog } from '../store/event-log.js';
import { getStoryPath } from '../store/paths.js';
import { applyEvent, foldRunState, isTick, type RunState } from '../store/run-state.js';
import { buildChart, observe } from './chart.js';
import { renderStory } from './story.js';

/** How often, at most, the chart is rewritten while a run moves. */
const CHART_INTERVAL_MS = 250;
/** A large chart is rewritten less often: building it takes at most this share of the time. */
const CHART_MAX_SHARE = 0.1;

/** The chart file of a run (ecosystem format). */
export function getChartPath(workspace: string, runId: string): string {
  return join(workspace, '.mia', 'stc', `${runId}.json`);
}

/** Follows a run's events; the chart is rewritten as the run moves, story.md when it ends. */
export class StoryWriter {
  readonly #workspace: string;
  readonly #events: MiaEvent[];
  #state: RunState | undefined;
  readonly #observations: string[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** How long the last chart took to build and serialize. */
  #chartCostMs = 0;
  #writing: Promise<void> = Promise.resolve();
  readonly #unsubscribe: () => void;

  constructor(workspace: string, log: EventLog) {
    this.#workspace = workspace;
    this.#events = log.history.filter(isTold);
    this.#state = this.#events.length > 0 ? foldRunState(this.#events) : undefined;
    for (const event of this.#events) this.#note(event);
    this.#unsubscribe = log.subscribe((event) => this.#onEvent(event));
  }

  /** Stops following and writes the final chart and story.md. */
  async close(): Promise<void> {
    this.#unsubscribe();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#writing;
    if (!this.#state) return;
    await writeRunStory(this.#workspace, this.#events);
  }

  #onEvent(event: MiaEvent): void {
    if (isTold(event)) this.#events.push(event);
    if (this.#state) applyEvent(this.#state, event);
    else this.#state = foldRunState([event]);
    this.#note(event);
    if (
      event.type === 'chart.progress' ||
      event.type === 'workflow.tension' ||
      event.type === 'workflow.started'
    ) {
      this.#timer ??= setTimeout(
        () => {
          this.#timer = undefined;
          this.#writing = this.#writing.then(() => this.#writeChart());
        },
        Math.max(CHART_INTERVAL_MS, this.#chartCostMs / CHART_MAX_SHARE),
      );
    }
  }

  #note(event: MiaEvent): void {
    const observation = observe(event);
    if (observation) this.#observations.push(observation);
  }

  async #writeChart(): Promise<void> {
    if (!this.#state) return;
    const started = performance.now();
    const text = `${JSON.stringify(buildChart(this.#state, this.#observations), null, 2)}\n`;
    this.#chartCostMs = performance.now() - started;
    await writeAtomically(getChartPath(this.#workspace, this.#state.runId), text);
  }
}

/**
 * Writes the chart and story.md of a run from its whole event log, as StoryWriter.close does.
 * Resume calls it for a run that has nothing left to do: its process may have died after the
 * last event was durable but before it could write them.
 */
export async function writeRunStory(workspace: string, events: readonly MiaEvent[]): Promise<void> {
  const state = foldRunState(events);
  const observations = events.map(observe).filter((text) => text !== undefined);
  await writeAtomically(
    getChartPath(workspace, state.runId),
    `${JSON.stringify(buildChart(state, observations), null, 2)}\n`,
  );
  await writeAtomically(getStoryPath(workspace, state.runId), renderStory(events, workspace));
}

/**
 * Whether the story and the chart need an event once it has been applied to the live state:
 * step output and progress ticks are not told, and keeping them would hold every line a step
 * printed in memory until the run ends.
 */
function isTold(event: MiaEvent): boolean {
  return !isTick(event);
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${randomUUID()}.tmp`;
  await writeFile(temp, text);
  await rename(temp, path);
}
