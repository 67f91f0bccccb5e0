// The committed format 1 fixtures (test/fixtures/format1): real workspaces left by the format 1
// CLI, copied into temp folders so that tests can read, resume and serve them.

import { cp, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from './cli.js';

/** Where the fixture workspaces are (one folder per case). */
export const FORMAT1_DIR = join(PACKAGE_ROOT, 'test/fixtures/format1/workspaces');

/** The fixture cases: completed, failed, resumed, crashed, gate, chapter, retries. */
export async function listFormat1Cases(): Promise<string[]> {
  return (await readdir(FORMAT1_DIR)).sort();
}

/** A copy of one fixture workspace in a fresh temp folder. */
export async function copyFormat1Workspace(name: string): Promise<string> {
  const workspace = await mkdtemp(join(tmpdir(), `mia-format1-${name}-`));
  await cp(join(FORMAT1_DIR, name), workspace, { recursive: true });
  return workspace;
}

/** A copy of every fixture workspace's runs in one temp workspace (for listing surfaces). */
export async function copyAllFormat1Runs(): Promise<string> {
  const workspace = await mkdtemp(join(tmpdir(), 'mia-format1-all-'));
  for (const name of await listFormat1Cases()) {
    await cp(join(FORMAT1_DIR, name, '.mia'), join(workspace, '.mia'), { recursive: true });
  }
  return workspace;
}

/** The run ids of a workspace, oldest first (a chapter after its parent). */
export async function listRunIds(workspace: string): Promise<string[]> {
  return (await readdir(join(workspace, '.mia/runs'))).sort();
}

/** A run's events.jsonl as written: every line parsed, nothing migrated. */
export async function readRawEvents(
  workspace: string,
  runId: string,
): Promise<Array<Record<string, unknown> & { type: string; seq: number; payload: RawPayload }>> {
  const text = await readFile(join(workspace, '.mia/runs', runId, 'events.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

// biome-ignore lint/suspicious/noExplicitAny: raw JSON read back from a file, checked by the tests.
type RawPayload = Record<string, any>;
