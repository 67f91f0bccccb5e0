// The shapes of a run's lifecycle: the handle a started or resumed run is executed through, what
// earlier sessions left for it, how it is executed, and the chapter runner the composition root
// (the CLI) hands in, so that the engine never imports the chapters that import it.

import type { ActionRegistry } from '../../actions/registry.js';
import type { ChapterResult, StepLog } from '../../actions/types.js';
import type { ResolvedWorkflow } from '../../definition/types.js';
import type { StoryWriter } from '../../narrative/story-writer.js';
import type { Plan } from '../../plan/plan.js';
import type { EventLog, EventLogFs } from '../../store/event-log.js';
import type { StepExecutor } from '../executors/step-executor.js';

/** What earlier sessions of a run leave to a resumed one. */
export interface ResumeState {
  /** Steps completed earlier and kept, with their outputs: they do not run again. */
  kept: ReadonlyMap<string, Record<string, unknown>>;
  /** When each step that runs again first started, across sessions (durable waits and gates). */
  firstStartedAt: ReadonlyMap<string, string>;
  /** Steps that met a tension earlier: their success is told as a transformation. */
  hadTension: ReadonlySet<string>;
  /** Time the earlier sessions spent running. */
  priorRunningMs: number;
}

/** A run that holds its lock and log, ready to execute (see startRun, resumeRun). */
export interface RunHandle {
  runId: string;
  workspace: string;
  workflow: ResolvedWorkflow;
  plan: Plan;
  inputs: Record<string, string>;
  concurrency: number;
  /** Set when the run is a chapter: the run and step that ran it. */
  parent: { runId: string; stepId: string } | undefined;
  events: EventLog;
  /** Set when the run is resumed: what its earlier sessions left. */
  resumed: ResumeState | undefined;
  /** Keeps story.md and the STC chart up to date. */
  story: StoryWriter;
  /** Things the user should know before the run goes on (a repaired torn log). */
  warnings: string[];
  release(): Promise<void>;
}

/** What executing a run's steps needs of its handle. */
export type RunScope = Pick<
  RunHandle,
  'runId' | 'workspace' | 'workflow' | 'plan' | 'inputs' | 'concurrency' | 'events'
>;

/** How a run is executed: built by the composition root, handed down to its chapters. */
export interface ExecuteRunOptions {
  registry: ActionRegistry;
  /** Runs the chapters of `workflow` steps (the CLI hands in engine/chapters.ts's runChapter). */
  runChapter: ChapterRunner;
  /** The event log's file layer for the run's chapters (tests inject crashes through it). */
  eventLogFs?: EventLogFs | undefined;
  /** Executors asked first for each step (see StepExecutor.accepts); the local one runs the rest. */
  executors?: readonly StepExecutor[];
  /** Aborted when the run is interrupted (SIGINT, SIGTERM). */
  signal: AbortSignal;
  /** `--yes`: every gate is approved at once, recorded as automatic. */
  autoApprove?: boolean;
  /** `--no-cache`: every step runs; the step cache is neither read nor written. */
  noCache?: boolean;
}

/** A step's request to run another workflow as its chapter. */
export interface ChapterRequest {
  /** The run the step belongs to: the chapter is linked to it and tells its gates in it. */
  parent: Pick<RunScope, 'runId' | 'workspace' | 'workflow' | 'concurrency' | 'events'>;
  stepId: string;
  /** When the step's current execution first started (kept across retries and resumes). */
  firstStartedAt: Date;
  /** The workflow to run: a name or a file. */
  ref: string;
  inputs: Record<string, string>;
  /** Aborted when the step's attempt stops: the chapter is interrupted. */
  signal: AbortSignal;
  /** The step's log, which tells the chapter's steps as they end. */
  log: StepLog;
  /** How the parent is executed (less its signal): the chapter runs the same way. */
  execution: Omit<ExecuteRunOptions, 'signal'>;
}

/** Runs a chapter to its end and tells how it ended (see engine/chapters.ts). */
export type ChapterRunner = (request: ChapterRequest) => Promise<ChapterResult>;
