// The `mia` commands, as a table: what each is called and says, which arguments and options it
// takes (declared once, in options.ts), and the module that runs it, imported only when it runs,
// so that `mia --version` loads no command and `mia workflow ls` only its own.

import type { CommandContext } from './context.js';
import { type ARGUMENTS, type CliOptions, EXECUTION_OPTIONS, type OptionName } from './options.js';

export type ArgumentName = keyof typeof ARGUMENTS;

/** What an argument gives its command: a list, a string, or undefined when optional and absent. */
type ArgumentValue<S extends string> = S extends `${string}...]`
  ? string[]
  : S extends `<${string}>`
    ? string
    : string | undefined;

type ArgumentValues<A extends readonly ArgumentName[]> = {
  [I in keyof A]: ArgumentValue<(typeof ARGUMENTS)[A[I]]['syntax']>;
};

/** One command of the table; `run` gets the arguments in order, then the options. */
export interface CommandSpec<
  A extends readonly ArgumentName[] = readonly ArgumentName[],
  K extends OptionName = OptionName,
> {
  /** The words that name it: `['workflow', 'run']`. */
  path: readonly [string] | readonly [string, string];
  description: string;
  arguments: A;
  options: readonly K[];
  run: (
    ctx: CommandContext,
    ...values: [...ArgumentValues<A>, Pick<CliOptions, K>]
  ) => Promise<number>;
}

/** Command groups (`mia workflow …`) and what they are for. */
export const GROUPS: Readonly<Record<string, string>> = {
  workflow: 'define, run and follow workflows',
  cache: 'see and clear the step cache (.mia/cache/): what steps with `cache:` reuse',
};

/** The options a command's function reads (the keys of its last parameter). */
type ReadOptions<F> = F extends (...values: infer P) => unknown
  ? P extends [...unknown[], infer Options]
    ? keyof Options
    : never
  : never;

/**
 * Checks a command's arguments, options and function against each other: its function takes the
 * arguments in order and the options as typed, and reads no option the command does not declare
 * (else `undeclaredOptions` names them). The table itself keeps none of these types.
 */
function defineCommand<
  const A extends readonly ArgumentName[],
  const K extends OptionName,
  F extends CommandSpec<A, K>['run'],
>(
  spec: Omit<CommandSpec<A, K>, 'run'> & { run: F } & ([Exclude<ReadOptions<F>, K>] extends [never]
      ? unknown
      : { undeclaredOptions: Exclude<ReadOptions<F>, K> }),
): CommandSpec {
  return spec as unknown as CommandSpec;
}

/** A function of a module imported on its first call. */
function lazy<M, K extends keyof M>(load: () => Promise<M>, name: K): M[K] {
  const call = async (...args: unknown[]) =>
    ((await load())[name] as (...values: unknown[]) => unknown)(...args);
  return call as M[K];
}

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  defineCommand({
    path: ['workflow', 'ls'],
    description: "list workflows: built-in templates and this workspace's, marking overrides",
    arguments: [],
    options: ['actions', 'json'],
    run: lazy(() => import('./commands/list.js'), 'listCommand'),
  }),
  defineCommand({
    path: ['workflow', 'show'],
    description: 'show a workflow as a plan: steps, levels, critical path',
    arguments: ['workflow'],
    options: ['format'],
    run: lazy(() => import('./commands/show.js'), 'showCommand'),
  }),
  defineCommand({
    path: ['workflow', 'validate'],
    description: 'check workflow definitions and print every problem',
    arguments: ['workflows'],
    options: ['json'],
    run: lazy(() => import('./commands/validate.js'), 'validateCommand'),
  }),
  defineCommand({
    path: ['workflow', 'init'],
    description: 'copy a built-in template into .mia/workflows/ to customize it',
    arguments: ['template'],
    options: ['as', 'force'],
    run: lazy(() => import('./commands/init.js'), 'initCommand'),
  }),
  defineCommand({
    path: ['workflow', 'run'],
    description: 'run a workflow; the first line printed is `run <run-id>`',
    arguments: ['workflow'],
    options: ['input', ...EXECUTION_OPTIONS],
    run: lazy(() => import('./commands/run.js'), 'runWorkflowCommand'),
  }),
  defineCommand({
    path: ['workflow', 'resume'],
    description: 'continue a failed, interrupted or crashed run',
    arguments: ['run'],
    options: ['last', 'from', ...EXECUTION_OPTIONS],
    run: lazy(() => import('./commands/resume.js'), 'resumeWorkflowCommand'),
  }),
  defineCommand({
    path: ['workflow', 'approve'],
    description: 'answer a gate: approve it, or reject it with --reject',
    arguments: ['gateRun', 'gate'],
    options: ['reject', 'reason', 'json'],
    run: lazy(() => import('./commands/approve.js'), 'approveCommand'),
  }),
  defineCommand({
    path: ['workflow', 'status'],
    description: 'the state of a run, step by step',
    arguments: ['run'],
    options: ['last', 'json'],
    run: lazy(() => import('./commands/status.js'), 'statusCommand'),
  }),
  defineCommand({
    path: ['workflow', 'story'],
    description: 'the run told as a story: beats, tensions, resolutions',
    arguments: ['run'],
    options: ['last'],
    run: lazy(() => import('./commands/story.js'), 'storyCommand'),
  }),
  defineCommand({
    path: ['workflow', 'runs'],
    description: "the history of this workspace's runs",
    arguments: [],
    options: ['json'],
    run: lazy(() => import('./commands/runs.js'), 'runsCommand'),
  }),
  defineCommand({
    path: ['cache', 'show'],
    description: 'list the step cache: each entry (step, run, files, size) and the total',
    arguments: [],
    options: ['json'],
    run: lazy(() => import('./commands/cache.js'), 'showCacheCommand'),
  }),
  defineCommand({
    path: ['cache', 'clear'],
    description: 'delete the step cache, or only its entries older than --older-than',
    arguments: [],
    options: ['olderThan', 'json'],
    run: lazy(() => import('./commands/cache.js'), 'clearCacheCommand'),
  }),
  defineCommand({
    path: ['dashboard'],
    description: 'serve the live dashboard and WebSocket feed of every run of the workspace',
    arguments: [],
    options: ['port', 'host', 'allowRemote'],
    run: lazy(() => import('./commands/dashboard.js'), 'dashboardCommand'),
  }),
  defineCommand({
    path: ['worker'],
    description:
      'serve steps of runs dispatched to a queue (--queue), in a checkout of this repository',
    arguments: [],
    options: ['queue', 'labels', 'concurrency'],
    run: lazy(() => import('./commands/worker.js'), 'workerCommand'),
  }),
];
