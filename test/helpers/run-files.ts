// Reads what a run left in `.mia/runs/<id>/`, for assertions.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface StoredEvent {
  v: number;
  id: string;
  seq: number;
  channel: string;
  type: string;
  runId: string;
  timestamp: string;
  payload: Record<string, unknown> & { stepId?: string };
}

/** Every event of a run, parsed. */
export async function readRunEvents(workspace: string, runId: string): Promise<StoredEvent[]> {
  const text = await readFile(join(workspace, '.mia/runs', runId, 'events.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as StoredEvent);
}

/** The run id from the first line of `mia workflow run` output. */
export function parseRunId(stdout: string): string {
  const match = /^run (\S+)$/m.exec(stdout);
  if (!match?.[1]) throw new Error(`no "run <id>" line in output:\n${stdout}`);
  return match[1];
}

/** Events of one type for one step. */
export function eventsFor(events: StoredEvent[], type: string, stepId?: string): StoredEvent[] {
  return events.filter(
    (e) => e.type === type && (stepId === undefined || e.payload.stepId === stepId),
  );
}

/** Lines of a marker file that steps append to (one line per execution). */
export async function readMarkers(path: string): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
