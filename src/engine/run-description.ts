// What the events that open a run and each resume say about its steps and the workspace's checkout.

import { execa } from 'execa';
import { listStaticLegs } from '../definition/legs.js';
import type { ResolvedWorkflow } from '../definition/types.js';
import type { StartedStep } from '../events/types.js';
import { findGitDir, readHeadCommit } from './vcs.js';

/** The steps as the first event of a run, and of each resume, lists them. */
export function describeSteps(workflow: ResolvedWorkflow): StartedStep[] {
  return workflow.steps.map((step) => ({
    id: step.id,
    action: step.action,
    universe: step.universe,
    beat: step.beat ?? null,
    depends_on: step.dependsOn,
    hash: step.hash,
    ...(step.strategy ? { legs: (listStaticLegs(step) ?? []).map((leg) => leg.id) } : {}),
  }));
}

/** The HEAD commit and its subject, when the workspace is a git repository. */
export async function describeHead(
  workspace: string,
): Promise<{ vcs?: { head: string; subject: string } }> {
  const gitDir = await findGitDir(workspace);
  const head = gitDir ? await readHeadCommit(gitDir) : undefined;
  if (!head) return {};
  const log = await execa('git', ['log', '-1', '--format=%s', head], {
    cwd: workspace,
    reject: false,
  });
  return { vcs: { head, subject: log.exitCode === 0 ? String(log.stdout).trim() : '' } };
}
