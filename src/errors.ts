// Error classes of mia-workflow: each carries a stable code and a hint that says what to do next.

/** Where in a definition file a problem sits (1-based line and column). */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

/** One problem found in a workflow definition. */
export interface DefinitionProblem {
  message: string;
  position?: SourcePosition;
}

/** Base class: every error the engine throws on purpose is a MiaError. */
export class MiaError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  /** False when trying again cannot help (a rejection, a bad expression): retries stop. */
  readonly isRetriable: boolean;
  /** What a failed step produced before it failed (a test count, an exit code): its outputs. */
  readonly outputs: Record<string, unknown> | undefined;

  constructor(
    code: string,
    message: string,
    options: {
      hint?: string;
      cause?: unknown;
      isRetriable?: boolean;
      outputs?: Record<string, unknown>;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.isRetriable = options.isRetriable ?? true;
    this.outputs = options.outputs;
  }
}

/**
 * The outputs a thrown value carries: its `outputs` property when that is a plain object (a
 * MiaError's, or any error a custom action throws with `outputs`), else undefined.
 */
export function getErrorOutputs(thrown: unknown): Record<string, unknown> | undefined {
  if (typeof thrown !== 'object' || thrown === null) return undefined;
  const outputs = (thrown as { outputs?: unknown }).outputs;
  if (typeof outputs !== 'object' || outputs === null || Array.isArray(outputs)) return undefined;
  return { ...(outputs as Record<string, unknown>) };
}

/** Bad command-line usage: exit code 2, nothing ran. */
export class UsageError extends MiaError {
  constructor(message: string, hint?: string) {
    super('MIA_CLI_USAGE', message, hint === undefined ? {} : { hint });
  }
}

/** One or more problems in a workflow definition, all reported together. */
export class DefinitionError extends MiaError {
  readonly problems: DefinitionProblem[];

  constructor(problems: DefinitionProblem[]) {
    const count = problems.length;
    super(
      'MIA_DEFINITION_INVALID',
      `${count} problem${count === 1 ? '' : 's'} in the workflow definition:\n${problems.map(formatProblem).join('\n')}`,
      { hint: 'Fix the lines above, then run `mia workflow validate` to check again.' },
    );
    this.problems = problems;
  }
}

/** A workflow name or file that cannot be found. */
export class WorkflowNotFoundError extends MiaError {
  constructor(message: string, hint: string) {
    super('MIA_DEFINITION_NOT_FOUND', message, { hint });
  }
}

/** A run that does not exist, or cannot be read. */
export class RunNotFoundError extends MiaError {
  constructor(message: string, hint: string) {
    super('MIA_STORE_RUN_NOT_FOUND', message, { hint });
  }
}

/** A run held by another live process. */
export class RunLockedError extends MiaError {
  readonly pid: number;

  constructor(runId: string, pid: number) {
    super('MIA_STORE_RUN_LOCKED', `Run ${runId} is in progress in process ${pid}.`, {
      hint: `Wait for process ${pid} to finish, or stop it (kill ${pid}) and resume again.`,
    });
    this.pid = pid;
  }
}

/** What to do about an event log that was changed or damaged after it was written. */
export const DAMAGED_LOG_HINT =
  'The log was changed or damaged after it was written; mia-workflow will not guess what it held. Restore events.jsonl from a backup, or start a new run.';

/** An event log that cannot be trusted (corrupt in the middle, or from a newer version). */
export class EventLogError extends MiaError {
  constructor(message: string, hint: string) {
    super('MIA_STORE_EVENT_LOG', message, { hint });
  }
}

/** A step that ran out of time. */
export class StepTimeoutError extends MiaError {
  constructor(stepId: string, timeoutMs: number) {
    super('MIA_STEP_TIMEOUT', `Step "${stepId}" timed out after ${formatMs(timeoutMs)}.`, {
      hint: "Raise the step's `timeout`, or find out why it hangs in its log.",
    });
  }
}

/** A failure of the machine (disk full, I/O error) rather than of the step's own work. */
export class InfrastructureError extends MiaError {
  constructor(message: string, cause?: unknown) {
    super('MIA_INFRA', message, {
      hint: 'Free disk space or fix the file system, then `mia workflow resume --last`.',
      cause,
    });
  }
}

/** Renders a problem as `file:line:col: message`. */
export function formatProblem(problem: DefinitionProblem): string {
  const where = problem.position;
  return where ? `${where.file}:${where.line}:${where.col}: ${problem.message}` : problem.message;
}

/** The shape in which an error crosses a boundary (event log, WebSocket, JSON output). */
export interface SerializedError {
  message: string;
  code?: string;
  hint?: string;
}

/** Turns any thrown value into a SerializedError, the one way errors leave the engine. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof MiaError) {
    return {
      message: error.message,
      code: error.code,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    };
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { message: String(error) };
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
