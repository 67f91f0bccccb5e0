// A coordinator's workspace for queue tests: a committed git repository with workflows, which
// test workers clone; its runs' events read back from disk.

import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MiaEvent } from '../../src/events/types.js';
import { git, initRepository } from './temp-git-repo.js';

/** A repository with `.mia/workflows/<name>.yaml` for each workflow, all committed. */
export async function createQueueWorkspace(workflows: Record<string, string>): Promise<string> {
  const dir = await initRepository();
  await mkdir(join(dir, '.mia/workflows'), { recursive: true });
  for (const [name, text] of Object.entries(workflows)) {
    await writeFile(join(dir, '.mia/workflows', `${name}.yaml`), text);
  }
  await writeFile(join(dir, '.gitignore'), '.mia/runs/\n');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '--quiet', '-m', 'Add workflows');
  return dir;
}

/** The events of the workspace's only (or latest) run. */
export async function readRunEvents(workspace: string, runId?: string): Promise<MiaEvent[]> {
  const runsDir = join(workspace, '.mia/runs');
  const id = runId ?? (await readdir(runsDir)).sort().at(-1) ?? '';
  const text = await readFile(join(runsDir, id, 'events.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as MiaEvent);
}

/** The payloads of the events of `type` for `stepId`. */
export function payloadsOf(
  events: readonly MiaEvent[],
  type: string,
  stepId: string,
): Array<Record<string, unknown>> {
  return events
    .filter(
      (event) => event.type === type && (event.payload as { stepId?: string }).stepId === stepId,
    )
    .map((event) => event.payload as Record<string, unknown>);
}
