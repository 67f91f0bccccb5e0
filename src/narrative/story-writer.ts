// Keeps story.md and the STC chart of a run up to date as its events are published.

import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { MiaEvent } from '../events/types.js';
import type { EventLog } from '../store/event-log.js';
import { getStoryPath } from '../store/paths.js';
import { applyEvent, foldRunState, type RunState } from '../store/run-state.js';
import { buildChart, observe } from './chart.js';
import { renderStory } from './story.js';

/** How often, at most, the chart is rewritten while a run moves. */
const CHART_INTERVAL_MS = 250;

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
  #writing: Promise<void> = Promise.resolve();
  readonly #unsubscribe: () => void;

  constructor(workspace: string, log: EventLog) {
    this.#workspace = workspace;
    this.#events = [...log.history];
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
    await this.#writeChart();
    await writeAtomically(
      getStoryPath(this.#workspace, this.#state.runId),
      renderStory(this.#events, this.#workspace),
    );
  }

  #onEvent(event: MiaEvent): void {
    this.#events.push(event);
    if (this.#state) applyEvent(this.#state, event);
    else this.#state = foldRunState([event]);
    this.#note(event);
    if (
      event.type === 'chart.progress' ||
      event.type === 'workflow.tension' ||
      event.type === 'workflow.started'
    ) {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#writing = this.#writing.then(() => this.#writeChart());
      }, CHART_INTERVAL_MS);
    }
  }

  #note(event: MiaEvent): void {
    const observation = observe(event);
    if (observation) this.#observations.push(observation);
  }

  async #writeChart(): Promise<void> {
    if (!this.#state) return;
    const chart = buildChart(this.#state, this.#observations);
    await writeAtomically(
      getChartPath(this.#workspace, this.#state.runId),
      `${JSON.stringify(chart, null, 2)}\n`,
    );
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${randomUUID()}.tmp`;
  await writeFile(temp, text);
  await rename(temp, path);
}
