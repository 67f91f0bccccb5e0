// Where a checking step looks: the workspace itself, or a commit or a merge in a worktree of its own.

import { realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { SimpleGit } from 'simple-git';
import { MiaError } from '../../errors.js';
import { formatFileList, listChangedFiles } from '../../git/changes.js';
import {
  type MergeSpec,
  openRepository,
  type PreparedCheckout,
  prepareCommit,
  prepareMerge,
  readMergeCommits,
} from '../../git/prepare.js';
import { isAncestor, readCommit, shortSha } from '../../git/refs.js';
import { resolveStepCwd } from '../../util/workspace-path.js';
import type { ActionContext, OutdatedCheck } from '../types.js';

/** `branch`, `into`, `ref` and `method`, as the checking actions (run-tests, schema-validate) take them. */
export const CHECKOUT_WITH_PROPERTIES = {
  branch: {
    type: 'string',
    minLength: 1,
    description:
      'Check the merge of this branch into `into`, committed in a worktree of its own (your checkout is not touched); outputs `sha`, the commit checked.',
  },
  into: {
    type: 'string',
    minLength: 1,
    description: 'The branch `branch` merges into (default main).',
  },
  ref: {
    type: 'string',
    minLength: 1,
    description: 'Check this commit (a branch, tag or commit id) in a worktree of its own.',
  },
  method: {
    enum: ['merge', 'squash'],
    description: 'How `branch` joins `into`: a merge commit (default) or one squashed commit.',
  },
};

/** `into` and `method` mean nothing without `branch`. */
export const CHECKOUT_DEPENDENCIES = { into: ['branch'], method: ['branch'] };

/** Where the step works, and what it holds. */
export interface Checkout {
  /** The workspace as it is in the checkout: where `cwd` and workspace paths point. */
  workdir: string;
  /** The worktree's top level; undefined when the step works in the workspace itself. */
  root: string | undefined;
  /** What was checked out: `sha` and `branch`, `into`, `base`, `head`, `alreadyMerged`, or `ref`. */
  outputs: Record<string, unknown>;
  /**
   * A path the step names or finds (`cwd`, a schema, a file a glob matched), resolved from the
   * workdir. In a worktree, one outside it (above the repository, or in your checkout) is
   * MIA_CHECKOUT_OUTSIDE: the step would check other files than the commit it reports.
   */
  locate(path: string): string;
  /**
   * The step's working directory, `with.cwd` from the workdir (the workdir when unset): outside
   * the workspace it is MIA_CWD_OUTSIDE_WORKSPACE, outside a worktree MIA_CHECKOUT_OUTSIDE.
   */
  resolveCwd(cwd: unknown): string;
  /** Removes the worktree (a failure to is logged, never thrown). */
  close(): Promise<void>;
}

/**
 * The workspace, when the step has neither `branch` nor `ref`; else a worktree holding the merge
 * of `branch` into `into` (as the branches are now) or the commit `ref` names.
 */
export async function openCheckout(ctx: ActionContext): Promise<Checkout> {
  const branch = readText(ctx.with.branch);
  const ref = readText(ctx.with.ref);
  if (branch === undefined && ref === undefined) {
    return {
      workdir: ctx.workdir,
      root: undefined,
      outputs: {},
      locate: (path) => resolve(ctx.workdir, path),
      resolveCwd: (cwd) => resolveStepCwd(ctx.workdir, cwd),
      close: async () => undefined,
    };
  }
  if (branch !== undefined && ref !== undefined) {
    throw new MiaError('MIA_CHECKOUT_BRANCH_AND_REF', 'Set `branch` or `ref`, not both.', {
      hint: '`branch` checks its merge into `into`; `ref` checks one commit as it is.',
      isRetriable: false,
    });
  }
  const repo = await openRepository(ctx.workdir, ctx.env);
  const inside = relative(repo.root, await realpath(ctx.workdir));
  const owner = { runId: ctx.runId, stepId: ctx.stepId };
  let prepared: PreparedCheckout;
  let outputs: Record<string, unknown>;
  if (branch !== undefined) {
    const spec: MergeSpec = {
      branch,
      into: readText(ctx.with.into) ?? 'main',
      method: ctx.with.method === 'squash' ? 'squash' : 'merge',
      tag: `${ctx.runId}/${ctx.stepId}`,
    };
    const commits = await readMergeCommits(repo.git, spec);
    prepared = await prepareMerge(repo, spec, commits, { owner, env: ctx.env });
    const alreadyMerged = prepared.sha === commits.base;
    outputs = {
      sha: prepared.sha,
      branch,
      into: spec.into,
      base: commits.base,
      head: commits.head,
      alreadyMerged,
    };
    ctx.log.info(
      alreadyMerged
        ? `${branch} (${shortSha(commits.head)}) is in ${spec.into} already: checking ${spec.into} as it is (${shortSha(prepared.sha)}) in ${prepared.worktree.path}.`
        : `Checking ${branch} (${shortSha(commits.head)}) merged into ${spec.into} (${shortSha(commits.base)}) as ${shortSha(prepared.sha)}, in ${prepared.worktree.path}: a worktree of its own; your checkout is not touched.`,
    );
  } else {
    prepared = await prepareCommit(repo, ref ?? 'HEAD', { owner, env: ctx.env });
    outputs = { sha: prepared.sha, ref };
    ctx.log.info(
      `Checking ${ref} (${shortSha(prepared.sha)}) in ${prepared.worktree.path}: a worktree of its own; your checkout is not touched.`,
    );
  }
  await noteUncommitted(ctx, repo.git);
  const workdir = join(prepared.worktree.path, inside);
  return {
    workdir,
    root: prepared.worktree.path,
    outputs,
    locate: (path) => locateInWorktree(path, workdir, prepared.worktree.path),
    resolveCwd: (cwd) =>
      locateInWorktree(
        typeof cwd === 'string' && cwd !== '' ? cwd : '.',
        workdir,
        prepared.worktree.path,
      ),
    close: async () => {
      const failure = await prepared.worktree.remove();
      if (failure) ctx.log.info(failure);
    },
  };
}

/** See Checkout.locate: `path` from `workdir`, which must stay inside `worktree`. */
function locateInWorktree(path: string, workdir: string, worktree: string): string {
  const target = resolve(workdir, path);
  const rest = relative(worktree, target);
  if (rest.startsWith('..') || isAbsolute(rest)) {
    throw new MiaError(
      'MIA_CHECKOUT_OUTSIDE',
      `${target} is outside the worktree of the commit being checked (${worktree}): the step would check other files than that commit's.`,
      {
        hint: 'Name paths relative to the workspace (like `packages/app`), never absolute or above the repository.',
        isRetriable: false,
      },
    );
  }
  return target;
}

/**
 * On resume: why a completed check no longer holds, if it does not. A merge check is outdated
 * when `into` moved (unless it holds the commit checked: it landed) or `branch` gained commits;
 * a `ref` check when the ref names another commit now.
 */
export async function findCheckoutChange(step: OutdatedCheck): Promise<string | undefined> {
  const { outputs } = step;
  const sha = readText(outputs.sha);
  if (sha === undefined) return undefined;
  const repo = await openRepository(step.workdir, step.env).catch(() => undefined);
  if (repo === undefined) return undefined;
  const branch = readText(outputs.branch);
  const into = readText(outputs.into);
  const base = readText(outputs.base);
  const head = readText(outputs.head);
  if (branch && into && base && head) {
    const intoNow = await readCommit(repo.git, `refs/heads/${into}`);
    if (intoNow !== undefined && (await isAncestor(repo.git, sha, intoNow))) return undefined;
    if (intoNow !== base)
      return `${into} moved since the check: ${shortSha(base)} → ${intoNow ? shortSha(intoNow) : 'gone'}`;
    const branchNow = await readCommit(repo.git, `refs/heads/${branch}`);
    if (branchNow === head) return undefined;
    if (branchNow !== undefined && (await isAncestor(repo.git, branchNow, sha))) return undefined;
    return `${branch} moved since the check: ${shortSha(head)} → ${branchNow ? shortSha(branchNow) : 'gone'}`;
  }
  const ref = readText(outputs.ref);
  if (ref === undefined) return undefined;
  const now = await readCommit(repo.git, ref);
  return now === sha
    ? undefined
    : `${ref} moved since the check: ${shortSha(sha)} → ${now ? shortSha(now) : 'gone'}`;
}

/** Says so when the checkout has changes that are not committed: a check sees only commits. */
async function noteUncommitted(ctx: ActionContext, git: SimpleGit): Promise<void> {
  const changed = await listChangedFiles(git).catch(() => []);
  if (changed.length === 0) return;
  ctx.log.info(
    `Your checkout has uncommitted changes (${formatFileList(changed)}): they are not part of what is checked; commit them to include them.`,
  );
}

function readText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
