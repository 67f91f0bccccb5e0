// Local git access for the GitHub-facing actions: a simple-git instance in the step's environment.

import { stat } from 'node:fs/promises';
import type { SimpleGit } from 'simple-git';
import { MiaError } from '../errors.js';

/**
 * A simple-git instance in `cwd`, running with the step's environment, for which every non-zero
 * exit is an error. simple-git is loaded on demand. Its guards against unsafe *arguments* (`--upload-pack`, …) stay on; the ones about
 * environment variables (EDITOR, PAGER, GIT_SSH_COMMAND, GIT_CONFIG_*) are relaxed because the
 * environment is the user's own, not input from a workflow value.
 */
export async function openGit(
  cwd: string,
  env: Record<string, string | undefined>,
): Promise<SimpleGit> {
  const info = await stat(cwd).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new MiaError('MIA_GIT_NO_DIRECTORY', `The directory ${cwd} does not exist.`, {
      hint: 'Point `cwd` at the git repository, relative to the workspace.',
      isRetriable: false,
    });
  }
  const { simpleGit } = await import('simple-git');
  const git = simpleGit({
    baseDir: cwd,
    // simple-git only fails when git writes to stderr; a quiet non-zero exit is a failure too.
    errors: (error, result) =>
      error ??
      (result.exitCode === 0 ? undefined : Buffer.concat([...result.stdErr, ...result.stdOut])),
    unsafe: {
      allowUnsafeAskPass: true,
      allowUnsafeConfigEnvCount: true,
      allowUnsafeConfigPaths: true,
      allowUnsafeDiffExternal: true,
      allowUnsafeEditor: true,
      allowUnsafeGitProxy: true,
      allowUnsafePager: true,
      allowUnsafeSshCommand: true,
    },
  });
  // Never wait for a person: no credential prompt, no merge-message editor.
  return git.env({ ...env, GIT_TERMINAL_PROMPT: '0', GIT_MERGE_AUTOEDIT: 'no' });
}

/** Whether `cwd` is inside a git work tree. */
export async function isGitRepository(git: SimpleGit): Promise<boolean> {
  const inside = await git.raw(['rev-parse', '--is-inside-work-tree']).catch(() => '');
  return inside.trim() === 'true';
}

/** The checked-out branch, or undefined when HEAD is detached (or not in a repository). */
export async function readCurrentBranch(git: SimpleGit): Promise<string | undefined> {
  const name = await git.raw(['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '');
  return name.trim() || undefined;
}

/** The URL of a remote (fetch URL), or undefined when there is no such remote or repository. */
export async function readRemoteUrl(git: SimpleGit, remote: string): Promise<string | undefined> {
  const url = await git.raw(['remote', 'get-url', remote]).catch(() => '');
  return url.trim() || undefined;
}

/** Opens git in `cwd` on first use only, so steps that never need the repository never touch it. */
export function createLazyGit(
  cwd: string,
  env: Record<string, string | undefined>,
): () => Promise<SimpleGit> {
  let opened: Promise<SimpleGit> | undefined;
  return () => {
    opened ??= openGit(cwd, env);
    return opened;
  };
}
