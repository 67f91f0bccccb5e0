// The shapes of a workflow definition, as written in YAML and as resolved for a run.

import type { SourcePosition } from '../errors.js';
import type { MatrixLeg } from './matrix.js';

/** The three universes an action can serve. */
export const UNIVERSES = ['engineer', 'ceremony', 'story'] as const;
export type Universe = (typeof UNIVERSES)[number];

/**
 * The shells a script (`run` of `shell`, `command` of `run-tests`) can run in: `bash` as
 * `bash --noprofile --norc -eo pipefail`, `sh` as `sh -e`, `node` and `python` (python3) as programs.
 */
export const SHELLS = ['bash', 'sh', 'node', 'python'] as const;
export type ShellName = (typeof SHELLS)[number];

/** A step's shell: one named, or `default` (bash where it is installed, else sh). */
export type StepShell = ShellName | 'default';

export interface InputDefinition {
  description?: string;
  default?: string;
  required?: boolean;
}

export interface RetryDefinition {
  /** Total attempts, the first one included. */
  attempts: number;
  /** Delay before the second attempt: a duration string or milliseconds. */
  delay?: string | number;
  backoff?: 'fixed' | 'exponential';
}

/** A step as written in YAML (after `extends` is applied). */
export interface StepDefinition {
  id: string;
  action: string;
  universe?: Universe;
  beat?: string;
  tension?: string;
  depends_on?: string[];
  when?: string | boolean;
  with?: Record<string, unknown>;
  env?: Record<string, string | number | boolean>;
  timeout?: string | number;
  retry?: RetryDefinition;
  continue_on_error?: boolean;
  shell?: ShellName;
  strategy?: StrategyDefinition;
  cache?: CacheDefinition;
}

/** `strategy:` of a step: run it once per combination of the matrix's values. */
export interface StrategyDefinition {
  /** Keys with lists, `include`/`exclude`, or an expression (`${{ fromJSON(…) }}`) anywhere in it. */
  matrix: Record<string, unknown> | string;
  max_parallel?: number;
  fail_fast?: boolean;
}

/** A matrix step's strategy, resolved. */
export interface ResolvedStrategy {
  /** The matrix as written: expanded by expandMatrix, after its expressions when it has any. */
  matrix: unknown;
  /** The legs, when the matrix holds no expression (else they are known when the step is ready). */
  legs: MatrixLeg[] | undefined;
  /** The order of the matrix's keys, which the legs' ids follow (with `legs`). */
  keys: string[] | undefined;
  maxParallel: number | undefined;
  /** A failed leg cancels the legs not yet started (default true). */
  failFast: boolean;
}

/**
 * A step's cache (`cache:`): files (globs, relative to the workspace) whose contents key it, files
 * it produces and restores, and a free key of the user's.
 */
export interface CacheDefinition {
  inputs?: string[];
  outputs?: string[];
  key?: string;
}

/** Top-level defaults of every step. */
export interface DefaultsDefinition {
  shell?: ShellName;
  /** Working directory of every action that takes a `cwd`, relative to the workspace. */
  cwd?: string;
}

/** A workflow as written in YAML. */
export interface WorkflowDefinition {
  name: string;
  narrative: string;
  description?: string;
  version?: string;
  extends?: string;
  inputs?: Record<string, InputDefinition>;
  concurrency?: number;
  defaults?: DefaultsDefinition;
  remove?: string[];
  steps: StepDefinition[];
}

/** Where a definition came from: a built-in template, the workspace, or an explicit file. */
export interface DefinitionSource {
  kind: 'template' | 'workspace' | 'file';
  /** Absolute path of the YAML file. */
  path: string;
}

/** A step ready to run: universe filled in, durations in milliseconds. */
export interface ResolvedStep {
  id: string;
  action: string;
  universe: Universe;
  beat: string | undefined;
  tension: string | undefined;
  dependsOn: string[];
  when: string | boolean | undefined;
  with: Record<string, unknown>;
  env: Record<string, string>;
  timeoutMs: number | undefined;
  retry: { attempts: number; delayMs: number; backoff: 'fixed' | 'exponential' };
  continueOnError: boolean;
  /** The shell of an action that runs a script (its own `shell`, else `defaults.shell`). */
  shell?: StepShell;
  /** Set on a matrix step: how it runs as legs. */
  strategy?: ResolvedStrategy;
  /** Set on a matrix leg: its values, read by `${{ matrix.<key> }}` (and by a step cache's fingerprint). */
  matrix?: MatrixLeg;
  /** Set on a matrix leg: the id of its step. */
  group?: string;
  /** The step's cache, when it has one (see src/cache/). */
  cache?: { inputs: string[]; outputs: string[]; key: string };
  /** Hash of what the step does (not of its narrative texts): a change means a re-run on resume. */
  hash: string;
  position: SourcePosition | undefined;
}

/** A workflow validated, extended and resolved: what the planner and the engine consume. */
export interface ResolvedWorkflow {
  name: string;
  narrative: string;
  description: string | undefined;
  inputs: Record<string, InputDefinition>;
  concurrency: number | undefined;
  steps: ResolvedStep[];
  source: DefinitionSource;
  /** The template this workflow extends, if any. */
  extends: string | undefined;
}
