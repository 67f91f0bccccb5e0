// Keeps story.md and the run's charts up to date as its events are published.

import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { InfrastructureError } from '../errors.js';
import type { MiaEvent } from '../events/types.js';
import type { EventLog } from '../store/event-log.js';
import { getStoryPath } from '../store/paths.js';
import { writeFileAtomically } from '../util/atomic-file.js';
import { applyEvent, foldRunState, isTick } from '../view/fold.js';
import type { RunState } from '../view/run-state.js';
import {
  buildChart,
  buildChartFromEvents,
  observe,
  type StcChart,
  type StcObservation,
} from './chart.js';
import { getExtensionChartPath, isShowingLaterRun, toExtensionChart } from './extension-chart.js';
import { renderStory } from './story.js';

/** How often, at most, the charts are rewritten while a run moves. */
const CHART_INTERVAL_MS = 250;
/** Large charts are rewritten less often: writing them takes at most this share of the time. */
const CHART_MAX_SHARE = 0.1;

/** The chart file of a run (the mia STCChart). */
export function getChartPath(workspace: string, runId: string): string {
  return join(workspace, '.mia', 'stc', `${runId}.json`);
}

/** Follows a run's events; the charts are rewritten as the run moves, story.md when it ends. */
export class StoryWriter {
  readonly #workspace: string;
  readonly #events: MiaEvent[];
  #state: RunState | undefined;
  readonly #observations: StcObservation[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** How long the last charts took to build and write. */
  #chartCostMs = 0;
  #writing: Promise<void> = Promise.resolve();
  readonly #unsubscribe: () => void;
  /** What could not be written though the run went on (the extension's chart): tell the user. */
  readonly warnings: string[] = [];

  constructor(workspace: string, log: EventLog) {
    this.#workspace = workspace;
    this.#events = log.history.filter(isTold);
    for (const event of log.history) this.#follow(event);
    this.#unsubscribe = log.subscribe((event) => this.#onEvent(event));
  }

  /**
   * Stops following and writes story.md and the final charts. Fails when story.md or the run's
   * chart cannot be written; the extension's chart failing is only a warning (`warnings`).
   */
  async close(): Promise<void> {
    this.#unsubscribe();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#writing;
    if (!this.#state) return;
    const story = renderStory(this.#events, this.#workspace);
    const warning = await writeRunFiles(this.#workspace, this.#buildChart(), this.#events, story);
    if (warning) this.warnings.push(warning);
  }

  #follow(event: MiaEvent): void {
    if (this.#state) applyEvent(this.#state, event);
    else this.#state = foldRunState([event]);
    const observation = observe(event, this.#state);
    if (observation) this.#observations.push(observation);
  }

  #onEvent(event: MiaEvent): void {
    if (isTold(event)) this.#events.push(event);
    this.#follow(event);
    if (event.type === 'workflow.step.log') return;
    this.#timer ??= setTimeout(
      () => {
        this.#timer = undefined;
        // A chart that cannot be written now is written again at the next move, and at close,
        // which says what failed.
        this.#writing = this.#writing.then(() => this.#writeCharts().catch(() => undefined));
      },
      Math.max(CHART_INTERVAL_MS, this.#chartCostMs / CHART_MAX_SHARE),
    );
  }

  #buildChart(): StcChart {
    return buildChart(this.#state!, this.#observations);
  }

  async #writeCharts(): Promise<void> {
    if (!this.#state) return;
    const started = performance.now();
    await writeRunFiles(this.#workspace, this.#buildChart(), this.#events, undefined);
    this.#chartCostMs = performance.now() - started;
  }
}

/**
 * Writes the charts and story.md of a run from its whole event log, as StoryWriter.close does.
 * Resume calls it for a run that has nothing left to do: its process may have died after the
 * last event was durable but before it could write them.
 */
export async function writeRunStory(workspace: string, events: readonly MiaEvent[]): Promise<void> {
  // The run ended in an earlier session: a problem with the extension's chart shows at the next run.
  await writeRunFiles(
    workspace,
    buildChartFromEvents(events),
    events,
    renderStory(events, workspace),
  );
}

/**
 * Writes story.md (when given) and the run's STCChart, then its workflow's chart for the STC
 * Charts extension, unless the run is a chapter (its parent's chart shows it as one step) or the
 * workflow's chart shows a run started after this one. Returns why the extension's chart could
 * not be written, if it could not (the run's own files were); throws when the run's own failed.
 */
async function writeRunFiles(
  workspace: string,
  chart: StcChart,
  events: readonly MiaEvent[],
  story: string | undefined,
): Promise<string | undefined> {
  if (story !== undefined)
    await writeRunFile(workspace, getStoryPath(workspace, chart.runId), story);
  await writeRunFile(workspace, getChartPath(workspace, chart.runId), toJson(chart));
  const first = events[0];
  if (first?.type === 'workflow.started' && first.payload.parent) return undefined;
  const path = getExtensionChartPath(workspace, chart.workflow);
  try {
    const existing = await readFile(path, 'utf8').catch(() => undefined);
    if (isShowingLaterRun(existing, chart)) return undefined;
    await writeFileAtomically(path, toJson(toExtensionChart(chart)));
    return undefined;
  } catch (error) {
    return `The STC Charts extension's chart ${relative(workspace, path)} could not be written (${(error as Error).message}); the run, its story.md and ${relative(workspace, getChartPath(workspace, chart.runId))} are complete. Make ${relative(workspace, dirname(path))} a writable folder for the extension to list this workflow.`;
  }
}

/**
 * Writes one of the run's own files (story.md, its chart); a failure says which file, that the
 * run's events are whole, and what to do (resuming a finished run writes its files again).
 */
async function writeRunFile(workspace: string, path: string, text: string): Promise<void> {
  try {
    await writeFileAtomically(path, text);
  } catch (error) {
    throw new InfrastructureError(
      `${relative(workspace, path)} could not be written (${(error as Error).message}); the run's events are complete. Make ${relative(workspace, dirname(path))} a writable folder: resuming the run writes it.`,
      error,
    );
  }
}

function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Whether the story and the charts need an event once it has been applied to the live state:
 * step output and progress ticks are not told, and keeping them would hold every line a step
 * printed in memory until the run ends.
 */
function isTold(event: MiaEvent): boolean {
  return !isTick(event);
}
