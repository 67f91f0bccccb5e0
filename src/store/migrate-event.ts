// Upgrades events written in older formats to the current one, line by line, as a log is read.

import { DAMAGED_LOG_HINT, EventLogError } from '../errors.js';
import {
  BEAT_SOURCE,
  EVENT_FORMAT_VERSION,
  getChartChannel,
  getTraceId,
  SIGNIFICANCE,
} from '../events/types.js';

/**
 * What a log told before the event being migrated: format 1 events leave out facts that format 2
 * puts in every event (the chart's title, the beat's workspace). Keep one per log, read in order.
 */
export interface MigrationContext {
  /** The workflow's name, from the log's `workflow.started`. */
  workflow?: string;
  /** The workspace the run was started in. */
  workspace?: string;
}

/** What to do about a log that is damaged (not torn by a crash). */
export { DAMAGED_LOG_HINT } from '../errors.js';

/** The event a beat of a given type tells (format 1 beats did not say; the narrator tells these). */
const TOLD_EVENT: Record<string, string> = {
  inciting_incident: 'workflow.started',
  rising_action: 'workflow.step.completed',
  climax: 'workflow.step.completed',
  transformation: 'workflow.step.completed',
  challenge: 'workflow.tension',
  discovery: 'workflow.step.skipped',
  resolution: 'workflow.completed',
};

/**
 * The one place where events of older format versions are upgraded to the current one.
 * Refuses a newer (or missing) version with an EventLogError; `where` names file and line.
 * `context` carries what earlier events of the same log told (see MigrationContext).
 */
export function migrateEvent(
  raw: Record<string, unknown>,
  where: string,
  context: MigrationContext = {},
): Record<string, unknown> {
  const version = raw.v;
  if (typeof version !== 'number' || !Number.isInteger(version) || version > EVENT_FORMAT_VERSION) {
    const shown = typeof version === 'number' ? `v${version}` : 'unknown';
    throw new EventLogError(
      `${where}: event written by a newer mia-workflow (format ${shown}); upgrade mia-workflow to read it.`,
      `This mia-workflow reads event formats up to v${EVENT_FORMAT_VERSION}: npm install -g mia-workflow@latest.`,
    );
  }
  learn(raw, context);
  switch (version) {
    case 1:
      return migrateFromFormat1(raw, context);
    case 2:
      return raw;
    default:
      throw new EventLogError(`${where}: unknown event format v${version}.`, DAMAGED_LOG_HINT);
  }
}

function learn(raw: Record<string, unknown>, context: MigrationContext): void {
  if (raw.type !== 'workflow.started' || !isRecord(raw.payload)) return;
  const { workflow, workspace } = raw.payload;
  if (typeof workflow === 'string') context.workflow = workflow;
  if (typeof workspace === 'string') context.workspace = workspace;
}

/**
 * Format 1 → 2: a `traceId` derived from the run id; beats as mia StoryBeats (significance
 * low/medium/high → 0.3/0.6/0.9, universe `workflow` → null); chart progress as the mia chart
 * progress, on the chart's channel. Anything it does not recognise is kept as it was.
 */
function migrateFromFormat1(
  raw: Record<string, unknown>,
  context: MigrationContext,
): Record<string, unknown> {
  const runId = typeof raw.runId === 'string' ? raw.runId : '';
  const event: Record<string, unknown> = { ...raw, v: 2, traceId: getTraceId(runId) };
  const payload = raw.payload;
  if (!isRecord(payload)) return event;
  if (raw.type === 'beat.created' && isRecord(payload.beat)) {
    event.payload = { ...payload, beat: migrateBeat(payload.beat, runId, context) };
  } else if (raw.type === 'chart.progress') {
    event.channel = getChartChannel(runId);
    event.payload = {
      chartId: runId,
      title: context.workflow ?? runId,
      completedSteps: payload.completed,
      totalSteps: payload.total,
      percent: payload.percent,
    };
  }
  return event;
}

function migrateBeat(
  beat: Record<string, unknown>,
  runId: string,
  context: MigrationContext,
): Record<string, unknown> {
  const stepId = typeof beat.stepId === 'string' ? beat.stepId : null;
  const significance =
    typeof beat.significance === 'number'
      ? beat.significance
      : (SIGNIFICANCE[beat.significance as keyof typeof SIGNIFICANCE] ?? SIGNIFICANCE.medium);
  return {
    id: beat.id,
    type: beat.type,
    description: beat.description,
    event: {
      type: TOLD_EVENT[String(beat.type)] ?? 'beat.created',
      source: BEAT_SOURCE,
      data: { runId, ...(stepId === null ? {} : { stepId }) },
    },
    // Format 1 told each beat in one line, its description: nothing more is known to annotate.
    universeAnnotations: {},
    significance,
    session: runId,
    ...(context.workspace === undefined ? {} : { workspace: context.workspace }),
    timestamp: beat.timestamp,
    universe: beat.universe === 'workflow' || beat.universe === undefined ? null : beat.universe,
    stepId,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
