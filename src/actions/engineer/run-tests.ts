// The `run-tests` action: runs the test command and reads the runner's summary into outputs.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MiaError } from '../../errors.js';
import { describeExitCode } from '../output-facts.js';
import type { ActionAdapter, ActionContext } from '../types.js';
import { describeTestRun } from './check-facts.js';
import {
  CHECKOUT_DEPENDENCIES,
  CHECKOUT_WITH_PROPERTIES,
  type Checkout,
  findCheckoutChange,
  openCheckout,
} from './checkout.js';
import { planInstall, runInstall } from './install.js';
import { describeEnding, type ProcessResult } from './process.js';
import { chooseDefaultShell, runScript } from './script.js';
import { findLoadError, parseTestReport, type TestReport } from './test-report.js';

/** How much of the combined output is kept to find the runner's summary in. */
const KEEP_OUTPUT_BYTES = 256 * 1024;
/** How many failing test names the outputs carry. */
const MAX_FAILED_TESTS = 10;
/** How many failing test names the error message lists. */
const MAX_NAMED_IN_MESSAGE = 5;
/** The `test` script `npm init` writes: a placeholder, not a test command. */
const NPM_PLACEHOLDER = /^echo "Error: no test specified" && exit 1$/;

/**
 * Runs `with.command` (default: `npm test`, when package.json in `cwd` has a real `test` script)
 * and outputs `passed`, `failed`, `skipped`, `total` as the runner prints them (vitest, jest,
 * pytest, mocha, node:test, TAP), plus `runner`, `failedTests`, `failedFiles` (test files that
 * failed to load) and `exitCode`. Fails with MIA_TESTS_FAILED, naming the failing tests and the
 * files that did not load, when the command fails or reports failures (the error keeps the
 * outputs). With `branch` (or `ref`) it tests the merge of `branch` into `into` (or that commit)
 * in a worktree of its own, after installing its dependencies, and outputs the commit it tested.
 */
export const runTestsAction: ActionAdapter = {
  name: 'run-tests',
  universes: ['engineer'],
  description: "Runs the test command (default: `npm test`) and reports the runner's counts.",
  shellFields: ['command', 'install'],
  scriptField: 'command',
  schema: {
    type: 'object',
    additionalProperties: false,
    dependentRequired: CHECKOUT_DEPENDENCIES,
    properties: {
      ...CHECKOUT_WITH_PROPERTIES,
      install: {
        description:
          'With `branch` or `ref`: install dependencies first. Default: from the lockfile when there is one (package-lock.json → npm ci, pnpm, yarn, bun); true: a lockfile is required; false: never; or the command to run.',
        oneOf: [{ type: 'boolean' }, { type: 'string', minLength: 1 }],
      },
      command: {
        type: 'string',
        minLength: 1,
        description:
          "The test command, run by the step's `shell:` like a `shell` step's script (default: `npm test`, from package.json's `test` script).",
      },
      cwd: { type: 'string', description: 'Working directory, relative to the workspace.' },
    },
  },
  async run(ctx) {
    const checkout = await openCheckout(ctx);
    try {
      return { outputs: await runTestsIn(ctx, checkout) };
    } finally {
      await checkout.close();
    }
  },
  checkOutdated: findCheckoutChange,
  describeOutputs: (outputs) => [...describeTestRun(outputs), ...describeExitCode(outputs)],
};

/** Installs (in a worktree), runs the tests; the outputs include what was checked out. */
async function runTestsIn(
  ctx: ActionContext,
  checkout: Checkout,
): Promise<Record<string, unknown>> {
  const cwd = checkout.resolveCwd(ctx.with.cwd);
  const installed = await installFor(ctx, checkout, cwd);
  const checked = { ...checkout.outputs, ...(installed ? { installed } : {}) };
  const command =
    typeof ctx.with.command === 'string' ? ctx.with.command : await getDefaultCommand(cwd);
  const result = await runScript(command, {
    shell: ctx.shell ?? chooseDefaultShell(ctx.env.PATH),
    name: ctx.stepId,
    cwd,
    env: { ...ctx.env, ...ctx.expressionEnv, CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' },
    signal: ctx.signal,
    log: ctx.log,
    keepOutputBytes: KEEP_OUTPUT_BYTES,
  });
  if (result.exitCode !== 0 && ctx.signal.aborted) throw ctx.signal.reason;
  const report = parseTestReport(result.outputTail);
  if (result.exitCode !== 0 || (report?.failed ?? 0) > 0) {
    throw new MiaError('MIA_TESTS_FAILED', describeFailure(report, result), {
      hint: 'Fix the failing tests (their full output is in the step log), then resume the run.',
      // The counts matter most when tests fail: dependents and status read them.
      outputs: { ...toOutputs(report, result.exitCode ?? null, result.outputTail), ...checked },
    });
  }
  return { ...toOutputs(report, 0, ''), ...checked };
}

/** Installs the checkout's dependencies (only ever in a worktree); the command run, if any. */
async function installFor(
  ctx: ActionContext,
  checkout: Checkout,
  cwd: string,
): Promise<string | undefined> {
  if (checkout.root === undefined) {
    if (ctx.with.install === undefined || ctx.with.install === false) return undefined;
    throw new MiaError('MIA_TESTS_INSTALL_NEEDS_WORKTREE', '`install` needs `branch` or `ref`.', {
      hint: 'mia installs only in a worktree of its own, never in your checkout: add `branch` (or `ref`), or drop `install`.',
      isRetriable: false,
    });
  }
  const plan = await planInstall(ctx.with.install, cwd, checkout.root);
  if (plan === undefined) {
    ctx.log.info(
      ctx.with.install === false
        ? 'install: false, so no dependencies were installed.'
        : 'No lockfile in the checked-out commit: no dependencies installed.',
    );
    return undefined;
  }
  await runInstall(ctx, plan);
  return plan.command;
}

/** `npm test`, when package.json in `cwd` has a `test` script that is not npm's placeholder. */
async function getDefaultCommand(cwd: string): Promise<string> {
  const path = join(cwd, 'package.json');
  const hint =
    'Set `with.command` to the command that runs your tests (e.g. `npx vitest run`, `pytest`), or add a `test` script to package.json.';
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new MiaError('MIA_TESTS_NO_COMMAND', `No test command: there is no ${path}.`, {
      hint,
      isRetriable: false,
    });
  }
  let script: unknown;
  try {
    script = (JSON.parse(text) as { scripts?: Record<string, unknown> }).scripts?.test;
  } catch (error) {
    throw new MiaError('MIA_TESTS_NO_COMMAND', `No test command: ${path} is not valid JSON.`, {
      hint,
      cause: error,
      isRetriable: false,
    });
  }
  if (typeof script !== 'string' || !script.trim() || NPM_PLACEHOLDER.test(script.trim())) {
    const found =
      typeof script === 'string' ? `only npm's placeholder ${JSON.stringify(script)}` : 'none';
    throw new MiaError(
      'MIA_TESTS_NO_COMMAND',
      `No test command: ${path} has no \`test\` script (found ${found}).`,
      { hint, isRetriable: false },
    );
  }
  return 'npm test';
}

function describeFailure(report: TestReport | undefined, result: ProcessResult): string {
  const files = report?.failedFiles ?? [];
  const names = report?.failedTests ?? [];
  // A file that failed to load is one of the runner's failures, told apart from failing tests.
  const testsFailed = Math.max((report?.failed ?? 0) - files.length, names.length);
  const parts: string[] = [];
  if (files.length > 0) {
    parts.push(
      `${files.length} test file${files.length === 1 ? '' : 's'} failed to load${listNames(files)}`,
    );
  }
  if (testsFailed > 0) {
    parts.push(`${testsFailed} test${testsFailed === 1 ? '' : 's'} failed${listNames(names)}`);
  }
  if (parts.length > 0) return parts.join('; ');
  const how = describeEnding(result);
  const load = report ? undefined : findLoadError(result.outputTail);
  if (load) return `The test command ${how}: a file failed to load: ${load.file} (${load.error})`;
  const why = report ? `, though ${report.runner} reported no failing tests` : '';
  const lastLine = findLastLine(result.outputTail);
  return `The test command ${how}${why}${lastLine === undefined ? '.' : `: ${lastLine}`}`;
}

/** `: a, b, c, …` (the first few), or `.` when there are no names. */
function listNames(names: readonly string[]): string {
  const listed = names.slice(0, MAX_NAMED_IN_MESSAGE);
  const more = names.length > listed.length ? ', …' : '';
  return listed.length > 0 ? `: ${listed.join(', ')}${more}` : '.';
}

function toOutputs(
  report: TestReport | undefined,
  exitCode: number | null,
  outputTail: string,
): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  if (report?.passed !== undefined) outputs.passed = report.passed;
  if (report?.failed !== undefined) outputs.failed = report.failed;
  if (report?.skipped !== undefined) outputs.skipped = report.skipped;
  if (report?.total !== undefined) outputs.total = report.total;
  outputs.runner = report?.runner ?? 'unknown';
  outputs.failedTests = report?.failedTests.slice(0, MAX_FAILED_TESTS) ?? [];
  const load = report ? undefined : findLoadError(outputTail);
  outputs.failedFiles = (report?.failedFiles ?? (load ? [load.file] : [])).slice(
    0,
    MAX_FAILED_TESTS,
  );
  outputs.exitCode = exitCode;
  return outputs;
}

function findLastLine(text: string): string | undefined {
  const line = text
    .split('\n')
    .map((each) => each.trim())
    .findLast((each) => each.length > 0);
  return line !== undefined && line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
