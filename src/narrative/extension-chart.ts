// A workflow's latest run as the mia STC Charts extension lists charts: `.stc/charts/<file>.json`.

import { join } from 'node:path';
import type { StcChart } from './chart.js';

/** The extension's chart shape (schemas/stc-extension-chart.schema.json), with the run's id. */
export interface ExtensionChart {
  id: string;
  title: string;
  desiredOutcome: string;
  currentReality: string;
  actionSteps: Array<{ id: string; description: string; completed: boolean; order: number }>;
  created: string;
  modified: string;
  runId: string;
}

/** The chart id of a workflow (one chart per workflow: `mia-workflow-<name>`). */
export function getExtensionChartId(workflow: string): string {
  return `mia-workflow-${encodeURIComponent(workflow)}`;
}

/** Where the extension finds a workflow's chart. */
export function getExtensionChartPath(workspace: string, workflow: string): string {
  return join(workspace, '.stc', 'charts', `${getExtensionChartId(workflow)}.json`);
}

/** The extension's view of a run's STCChart: the same outcome, reality and steps. */
export function toExtensionChart(chart: StcChart): ExtensionChart {
  return {
    id: getExtensionChartId(chart.workflow),
    title: chart.workflow,
    desiredOutcome: chart.outcome,
    currentReality: chart.reality,
    actionSteps: chart.actions.map((action) => ({
      id: action.id,
      description: action.title,
      completed: action.completed,
      order: action.order,
    })),
    created: chart.createdAt,
    modified: chart.updatedAt,
    runId: chart.runId,
  };
}

/**
 * Whether `existing` (the text of the workflow's chart file, if any) shows a run started after
 * the run `chart` shows: a resumed older run never replaces its workflow's latest run.
 */
export function isShowingLaterRun(existing: string | undefined, chart: StcChart): boolean {
  if (existing === undefined) return false;
  let shown: unknown;
  try {
    shown = JSON.parse(existing);
  } catch {
    return false;
  }
  if (typeof shown !== 'object' || shown === null) return false;
  const { runId, created } = shown as { runId?: unknown; created?: unknown };
  if (runId === chart.runId || typeof created !== 'string') return false;
  return Date.parse(created) > Date.parse(chart.createdAt);
}
