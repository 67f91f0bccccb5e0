// The channels a run's events go out on (the mia `<domain>:<id>` pattern): pure, so the page
// names them as the server does.

/** The channel of a run's events of a type: chart events on the chart's, the others on the run's. */
export function getEventChannel(runId: string, type: string): string {
  return type === 'chart.progress' ? getChartChannel(runId) : getRunChannel(runId);
}

/** The channel of a run's events. */
export function getRunChannel(runId: string): string {
  return `workflow:${runId}`;
}

/** The channel of a run's chart events (the mia chart channel). */
export function getChartChannel(runId: string): string {
  return `stc:${runId}`;
}
