// Runs one adapter in a fresh temp workspace holding the given files, for the engineer tests.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionAdapter, ActionContext } from '../../../src/actions/types.js';
import type { MiaError } from '../../../src/errors.js';
import { createTestContext, type TestContext } from '../../helpers/action-context.js';

/** What a run ended with: its outputs when it succeeded, its error when it threw. */
export interface WorkspaceRun {
  ctx: TestContext;
  outputs: Record<string, unknown> | undefined;
  error: MiaError | undefined;
}

/** Writes `files` (path relative to `workdir` → text), creating their folders. */
export async function writeFiles(workdir: string, files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(workdir, name, '..'), { recursive: true });
    await writeFile(join(workdir, name), text);
  }
}

/** Runs `adapter` with `withValue` in a temp workspace holding `files`; never rejects. */
export async function runInWorkspace(
  adapter: ActionAdapter,
  files: Record<string, string>,
  withValue: Record<string, unknown>,
  overrides: Partial<ActionContext> = {},
): Promise<WorkspaceRun> {
  const ctx = await createTestContext({ with: withValue, ...overrides });
  await writeFiles(ctx.workdir, files);
  return adapter.run(ctx).then(
    (result) => ({ ctx, outputs: result?.outputs, error: undefined }),
    (error: unknown) => ({ ctx, outputs: undefined, error: error as MiaError }),
  );
}
