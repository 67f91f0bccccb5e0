// Tells a run as story.md: desired outcome, beats in order, tensions with their cause and fix.

import { relative } from 'node:path';
import { isTerminalEvent, type ShownRunStatus } from '../events/statuses.js';
import type { Beat, MiaEvent } from '../events/types.js';
import { formatDuration } from '../util/duration.js';
import { stripControlSequences as plain } from '../util/terminal-text.js';
import { applyEvent, foldRunState } from '../view/fold.js';
import { describeReality } from '../view/reality.js';
import { listShownSteps, type RunState } from '../view/run-state.js';
import { getShownStatus } from '../view/summary.js';
import { tellResume } from './resume-story.js';

const BEAT_TITLES: Record<Beat['type'], string> = {
  inciting_incident: 'Inciting incident',
  rising_action: 'Rising action',
  climax: 'Climax',
  falling_action: 'Falling action',
  resolution: 'Resolution',
  discovery: 'Discovery',
  challenge: 'Challenge',
  transformation: 'Transformation',
};

/**
 * Renders the whole run as Markdown that a person can read without opening any log. `isLive`:
 * whether a process holds the run (else a run that has not ended has crashed); the process that
 * writes story.md holds its own run.
 */
export function renderStory(events: readonly MiaEvent[], workspace: string, isLive = true): string {
  const state = foldRunState(events);
  const status = getShownStatus(state, isLive);
  let headAtTension: string | null = null;
  const narrative = plain(state.narrative);
  const lines: string[] = [
    `# ${state.workflow}: ${narrative}`,
    '',
    `> **Desired outcome:** ${narrative}`,
    '>',
    `> **Current reality:** ${describeReality(state, status)}`,
    '',
    `Run \`${state.runId}\` · started ${state.startedAt} · ${status}${describeDuration(state)}${state.resumes > 0 ? ` · resumed ${state.resumes}×` : ''}`,
    '',
    '## The story',
    '',
  ];
  // The run as it stood before each event: a resume is told against it (what crashed, what ran).
  const told = foldRunState(events.slice(0, 1));
  const retries = new RetryNotes();
  for (const [index, event] of events.entries()) {
    if (event.type === 'workflow.step.failed' && !event.payload.interrupted) {
      headAtTension = event.payload.vcs?.after ?? headAtTension;
    }
    const telling = [
      ...(event.type === 'workflow.resumed' || isTerminalEvent(event) ? retries.tellLeft() : []),
      ...(event.type === 'workflow.resumed'
        ? tellResume(event, told, headAtTension)
        : tellEvent(event, workspace)),
      ...retries.take(event),
    ];
    if (index > 0) applyEvent(told, event);
    for (const line of telling) {
      // Two told events that both stand apart leave one blank line between them, not two.
      if (line === '' && lines.at(-1) === '') continue;
      lines.push(line);
    }
  }
  lines.push(
    '',
    '## The steps',
    '',
    '| step | universe | status | attempts | time |',
    '|---|---|---|---|---|',
  );
  const universes = new Map(state.steps.map((step) => [step.id, step.universe]));
  // A matrix step's legs follow it (their ids name it), each in its step's universe.
  for (const s of listShownSteps(state, status)) {
    const id = s.group === undefined ? s.id : plain(s.id).replaceAll('|', '\\|');
    lines.push(
      `| ${id} | ${universes.get(s.group ?? s.id)} | ${s.status} | ${s.attempts} | ${formatDuration(s.durationMs)} |`,
    );
  }
  const next = describeNextMove(state, status);
  if (next) lines.push('', '## Where the story stands', '', next);
  return `${lines.join('\n')}\n`;
}

function tellEvent(event: MiaEvent, workspace: string): string[] {
  switch (event.type) {
    case 'beat.created': {
      const beat = event.payload.beat;
      // A challenge is told through its tension, with the details.
      if (beat.type === 'challenge') return [];
      const where = beat.universe === null ? '' : ` *[${beat.universe}]*`;
      return [`- **${BEAT_TITLES[beat.type]}**${where} · ${plain(beat.description)}`];
    }
    case 'workflow.tension': {
      const { stepId, universe, text, error, logPath } = event.payload;
      const lines = [
        `- **Tension** *[${universe}]* \`${stepId}\` · ${plain(text)}`,
        `  - Cause: ${plain(error.message).replaceAll('\n', ' ')}`,
      ];
      if (error.hint) lines.push(`  - What to do: ${plain(error.hint)}`);
      lines.push(`  - Full log: \`${plain(relative(workspace, logPath) || logPath)}\``);
      return lines;
    }
    case 'workflow.interrupted':
      return [
        '',
        `*Interrupted (${event.payload.signal}) after ${formatDuration(event.payload.durationMs)}.*`,
        '',
      ];
    case 'workflow.failed':
      return [
        '',
        `*The run stops with its tension unresolved at ${event.payload.failedSteps.join(', ')}.*`,
        '',
      ];
    default:
      return [];
  }
}

/**
 * The tries of a step that failed and ran again, told under that step's own beat or tension
 * once it is told (not under whatever was told last).
 */
class RetryNotes {
  readonly #notes = new Map<string, string[]>();

  /** Keeps a retry's note; returns the lines told under the beat or tension `event` tells. */
  take(event: MiaEvent): string[] {
    if (event.type === 'workflow.step.retrying') {
      const { stepId, attempt, error } = event.payload;
      const note = `Tried again (attempt ${attempt}) after: ${plain(error.message).replaceAll('\n', ' ')}`;
      this.#notes.set(stepId, [...(this.#notes.get(stepId) ?? []), note]);
      return [];
    }
    const stepId =
      event.type === 'workflow.tension'
        ? event.payload.stepId
        : event.type === 'beat.created' && event.payload.beat.type !== 'challenge'
          ? event.payload.beat.stepId
          : null;
    const notes = stepId === null ? undefined : this.#notes.get(stepId);
    if (stepId === null || !notes) return [];
    this.#notes.delete(stepId);
    return notes.map((note) => `  - ${note}`);
  }

  /** The notes of steps that ended their session untold (interrupted while retrying). */
  tellLeft(): string[] {
    const lines = [...this.#notes].flatMap(([stepId, notes]) =>
      notes.map((note) => `- \`${stepId}\` · ${note}`),
    );
    this.#notes.clear();
    return lines;
  }
}

function describeNextMove(state: RunState, status: ShownRunStatus): string | undefined {
  if (status === 'completed') return undefined;
  if (status === 'running') return `The story is still being told (run \`${state.runId}\`).`;
  return `The tension is unresolved. Fix the cause above, then continue the story with \`mia workflow resume ${state.runId}\`.`;
}

/** ` in 4.2s`, and over how many sessions when the run was resumed. */
function describeDuration(state: RunState): string {
  if (state.durationMs === undefined) return '';
  const sessions = state.resumes > 0 ? ` over ${state.resumes + 1} sessions` : '';
  return ` in ${formatDuration(state.durationMs)}${sessions}`;
}
