// Shared by the fault suite: throwaway workspaces, the events of a run, and what a run left behind.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { MiaEvent } from '../../src/events/types.js';

export { isProcessAlive, waitUntil } from '../helpers/processes.js';

const workspaces: string[] = [];

afterAll(async () => {
  await Promise.all(workspaces.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh workspace with `workflows` in `.mia/workflows/`, removed after the test file. */
export async function createFaultWorkspace(
  workflows: Record<string, string> = {},
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mia-faults-'));
  workspaces.push(dir);
  await mkdir(join(dir, '.mia/workflows'), { recursive: true });
  for (const [name, text] of Object.entries(workflows)) {
    await writeFile(join(dir, '.mia/workflows', `${name}.yaml`), text);
  }
  return dir;
}

/** The path of a run's event log. */
export function eventsPathOf(workspace: string, runId: string): string {
  return join(workspace, '.mia/runs', runId, 'events.jsonl');
}

/** Every event of a run, parsed line by line (any damage throws). */
export async function readEventLog(workspace: string, runId: string): Promise<MiaEvent[]> {
  const text = await readFile(eventsPathOf(workspace, runId), 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as MiaEvent);
}

/** The step id of an event, if it is about a step. */
export function stepOf(event: MiaEvent): string | undefined {
  const { stepId } = event.payload as { stepId?: unknown };
  return typeof stepId === 'string' ? stepId : undefined;
}

/** How many events of `type` each step has. */
export function countByStep(events: readonly MiaEvent[], type: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    const step = stepOf(event);
    if (event.type === type && step !== undefined) counts.set(step, (counts.get(step) ?? 0) + 1);
  }
  return counts;
}

/** Lines of a file, or none when it does not exist. */
export async function readLines(path: string): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
