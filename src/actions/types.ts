// The action adapter interface: what every built-in or custom action provides.

import type { ExpressionContext } from '../definition/expressions/evaluate.js';
import type { ShellName, Universe } from '../definition/types.js';
import type { ApprovalAnswer } from '../events/types.js';

export type { ApprovalAnswer } from '../events/types.js';

import type { EndedRunStatus } from '../events/statuses.js';

/** Where a step's output goes: the engine writes it to the step's log and to log events. */
export interface StepLog {
  /** Output as the step wrote it: bytes are kept exact in the step's log file; text is UTF-8. */
  write(stream: 'stdout' | 'stderr', output: string | Uint8Array): void;
  /** A line of the engine's own about the step (not the step's output). */
  info(text: string): void;
}

/** What an action receives when it runs one attempt of a step. */
export interface ActionContext {
  /** The step's `with`, with every expression already evaluated. */
  with: Record<string, unknown>;
  inputs: Record<string, string>;
  /** Aborted on timeout or interruption; an action must stop promptly when it is. */
  signal: AbortSignal;
  log: StepLog;
  /** The workspace root: the directory holding `.mia/`. */
  workdir: string;
  /** The step's environment: the process environment, the step's `env`, and expression values. */
  env: Record<string, string>;
  /** Environment variables holding expression values quoted into `with` (see shell). */
  expressionEnv: Record<string, string>;
  /** The shell that runs the step's script, for an action with a `scriptField` (chosen by the engine). */
  shell?: ShellName;
  stepId: string;
  runId: string;
  attempt: number;
  /** When this step first started in this run (across resumes), for durable waits. */
  firstStartedAt: Date;
  /**
   * Opens a gate: records `workflow.step.waiting` and resolves when a person answers it
   * (`mia workflow approve`, the dashboard, or `--yes`). Durable: survives a restart of the run.
   */
  requestApproval(prompt: string): Promise<ApprovalAnswer>;
  /** Runs another workflow as a chapter of this run: a linked child run, resumed with this step. */
  runWorkflow(ref: string, inputs: Record<string, string>): Promise<ChapterResult>;
  /**
   * The run's expressions (inputs, the steps settled so far): for an executor that evaluates the
   * step elsewhere, with another environment (a worker's). Actions do not need it.
   */
  expressions?: ExpressionContext;
  /**
   * For an executor that `announcesStart`: records the attempt's start once it really starts,
   * naming the worker that runs it.
   */
  announceStart?(details: { worker: { id: string; host: string; pid: number } }): void;
}

/** How a chapter (another workflow run from a step) ended. */
export interface ChapterResult {
  runId: string;
  workflow: string;
  status: EndedRunStatus;
  /** Each step's outputs, by step id. */
  outputs: Record<string, Record<string, unknown>>;
  failedSteps: string[];
}

/** What a resumed run knows of a completed step when it asks whether the step still holds. */
export interface OutdatedCheck {
  outputs: Record<string, unknown>;
  /** The workspace root. */
  workdir: string;
  env: Record<string, string | undefined>;
}

export interface ActionResult {
  outputs?: Record<string, unknown>;
}

/** Something a step's outputs say happened, for the narrative: "12 tests passed". */
export interface OutputFact {
  /** A few words, told in the step's beat and on the line of the universe it speaks for. */
  text: string;
  /** The universe the fact speaks for; the step's own when absent. */
  universe?: Universe | undefined;
  /** A detail (an exit code): told on its universe's line only, not in the beat's description. */
  isDetail?: boolean | undefined;
}

/** What `describeOutputs` returns: facts, or plain strings (facts of the step's own universe). */
export type OutputFacts = ReadonlyArray<OutputFact | string>;

/** An action adapter: a thin translation of `with` into a call and its result into outputs. */
export interface ActionAdapter {
  name: string;
  /** Universes the action serves; the first one is its default. */
  universes: readonly Universe[];
  /** JSON Schema for `with`. */
  schema?: Record<string, unknown>;
  /** Keys of `with` whose expressions are handed over as environment variables (shell code). */
  shellFields?: readonly string[];
  /**
   * The key of `with` holding the script the step's `shell:` runs (`run` of shell, `command` of
   * run-tests). Only an action with one takes `shell:`; `defaults.shell` applies to it.
   */
  scriptField?: string;
  /** One line on what the action does, for `mia workflow ls --actions`. */
  description?: string;
  run(ctx: ActionContext): Promise<ActionResult | undefined>;
  /**
   * On resume, why a completed step's result no longer holds (the commit it checked is no longer
   * what its branches hold), or undefined when it does: an outdated step runs again, and so does
   * everything downstream of it.
   */
  checkOutdated?(step: OutdatedCheck): Promise<string | undefined>;
  /**
   * The facts a completed step's outputs tell, woven by the narrative into the step's beat and
   * its universes' lines. Given whatever outputs the step produced: it must not throw when one is
   * missing or odd (it says nothing of it instead).
   */
  describeOutputs?(outputs: Record<string, unknown>): OutputFacts;
}
