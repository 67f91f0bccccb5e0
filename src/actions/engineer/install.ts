// Installing a checkout's dependencies from its lockfile before its tests run.

import { access } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { MiaError } from '../../errors.js';
import type { ActionContext } from '../types.js';
import { describeEnding } from './process.js';
import { chooseDefaultShell, runScript } from './script.js';

/** A lockfile and the command that installs exactly what it pins. */
interface LockfileRule {
  file: string;
  command: string;
  /** Yarn 2+ (a `.yarnrc.yml` beside the lockfile) spells "frozen" differently. */
  berryCommand?: string;
}

/** The lockfiles recognised, in the order they are looked for in each folder. */
export const LOCKFILES: readonly LockfileRule[] = [
  { file: 'package-lock.json', command: 'npm ci --no-audit --no-fund' },
  { file: 'npm-shrinkwrap.json', command: 'npm ci --no-audit --no-fund' },
  { file: 'pnpm-lock.yaml', command: 'pnpm install --frozen-lockfile' },
  {
    file: 'yarn.lock',
    command: 'yarn install --frozen-lockfile',
    berryCommand: 'yarn install --immutable',
  },
  { file: 'bun.lock', command: 'bun install --frozen-lockfile' },
  { file: 'bun.lockb', command: 'bun install --frozen-lockfile' },
];

/** What to install, and where. */
export interface InstallPlan {
  command: string;
  cwd: string;
  /** The lockfile it follows (undefined for a command given in `install`). */
  lockfile: string | undefined;
}

/**
 * The install to run before tests in `cwd` of a worktree whose top level is `root`: `install`
 * as a command, or the command of the first lockfile found from `cwd` up to `root`. Undefined when
 * there is nothing to install; with `install: true`, no lockfile is MIA_TESTS_NO_LOCKFILE.
 */
export async function planInstall(
  install: unknown,
  cwd: string,
  root: string,
): Promise<InstallPlan | undefined> {
  if (install === false || install === 'false') return undefined;
  if (typeof install === 'string' && install !== 'true' && install.trim() !== '') {
    return { command: install, cwd, lockfile: undefined };
  }
  for (let dir = cwd; ; dir = dirname(dir)) {
    for (const rule of LOCKFILES) {
      if (!(await exists(join(dir, rule.file)))) continue;
      const isBerry = rule.berryCommand !== undefined && (await exists(join(dir, '.yarnrc.yml')));
      const command = isBerry ? (rule.berryCommand ?? rule.command) : rule.command;
      return { command, cwd: dir, lockfile: relative(root, join(dir, rule.file)) };
    }
    if (relative(root, dir) === '' || dirname(dir) === dir) break;
  }
  if (install === true || install === 'true') {
    throw new MiaError(
      'MIA_TESTS_NO_LOCKFILE',
      `install is true, but there is no lockfile (${LOCKFILES.map((rule) => rule.file).join(', ')}) in the checked-out commit.`,
      {
        hint: 'Commit the lockfile on the branch (npm install writes package-lock.json), or set `install:` to the command that installs.',
        isRetriable: false,
      },
    );
  }
  return undefined;
}

/** Runs the install; a failure is MIA_TESTS_INSTALL_FAILED with the last line it printed. */
export async function runInstall(ctx: ActionContext, plan: InstallPlan): Promise<void> {
  ctx.log.info(
    `Installing dependencies${plan.lockfile ? ` from ${plan.lockfile}` : ''}: ${plan.command}`,
  );
  // An install command is a shell command whatever runs the tests (node, python).
  const shell =
    ctx.shell === 'bash' || ctx.shell === 'sh' ? ctx.shell : chooseDefaultShell(ctx.env.PATH);
  const result = await runScript(plan.command, {
    shell,
    name: ctx.stepId,
    cwd: plan.cwd,
    env: { ...ctx.env, ...ctx.expressionEnv, CI: 'true', npm_config_update_notifier: 'false' },
    signal: ctx.signal,
    log: ctx.log,
    keepOutputBytes: 16 * 1024,
  });
  if (result.exitCode === 0) return;
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const lastLine = result.outputTail
    .split('\n')
    .map((line) => line.trim())
    .findLast(Boolean);
  const tool = plan.command.split(' ')[0];
  throw new MiaError(
    'MIA_TESTS_INSTALL_FAILED',
    `Installing dependencies (${plan.command}) ${describeEnding(result)}${lastLine ? `: ${lastLine.slice(0, 300)}` : '.'} The tests did not run.`,
    {
      hint:
        result.exitCode === 127
          ? `Install ${tool} (the lockfile needs it), or set \`install:\` to another command, or \`install: false\`.`
          : 'Fix the lockfile on the branch (its full output is in the step log), then resume the run.',
    },
  );
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
