// Tells a run as story.md: desired outcome, beats in order, tensions with their cause and fix.

import { relative } from 'node:path';
import type { Beat, MiaEvent } from '../events/types.js';
import { applyEvent, foldRunState, type RunState } from '../store/run-state.js';
import { formatDuration } from '../util/duration.js';
import { stripControlSequences as plain } from '../util/terminal-text.js';
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

/** Renders the whole run as Markdown that a person can read without opening any log. */
export function renderStory(events: readonly MiaEvent[], workspace: string): string {
  const state = foldRunState(events);
  let headAtTension: string | null = null;
  const narrative = plain(state.narrative);
  const lines: string[] = [
    `# ${state.workflow}: ${narrative}`,
    '',
    `> **Desired outcome:** ${narrative}`,
    '>',
    `> **Current reality:** ${describeReality(state)}`,
    '',
    `Run \`${state.runId}\` · started ${state.startedAt} · ${state.status}${describeDuration(state)}${state.resumes > 0 ? ` · resumed ${state.resumes}×` : ''}`,
    '',
    '## The story',
    '',
  ];
  // The run as it stood before each event: a resume is told against it (what crashed, what ran).
  const told = foldRunState(events.slice(0, 1));
  for (const [index, event] of events.entries()) {
    if (event.type === 'workflow.step.failed' && !event.payload.interrupted) {
      headAtTension = event.payload.vcs?.after ?? headAtTension;
    }
    const telling =
      event.type === 'workflow.resumed'
        ? tellResume(event, told, headAtTension)
        : tellEvent(event, workspace);
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
  for (const step of state.steps) {
    const s = state.stepStates.get(step.id);
    const took = s?.durationMs === undefined ? '' : formatDuration(s.durationMs);
    lines.push(
      `| ${step.id} | ${step.universe} | ${s?.status ?? 'pending'} | ${s?.attempts ?? 0} | ${took} |`,
    );
  }
  const next = describeNextMove(state);
  if (next) lines.push('', '## Where the story stands', '', next);
  return `${lines.join('\n')}\n`;
}

/** The current reality of a run in one sentence (also the chart's `reality`). */
export function describeReality(state: RunState): string {
  const steps = state.steps.map((s) => state.stepStates.get(s.id));
  const done = steps.filter((s) => s?.status === 'completed').length;
  const total = steps.length;
  if (state.status === 'completed') {
    if (done === total) return `The desired outcome is reached: all ${total} steps are complete.`;
    // Steps passed by or allowed to fail are not complete: say so, never "all".
    return `The desired outcome is reached: ${done} of ${total} steps are complete.`;
  }
  const failed = steps.filter((s) => s?.status === 'failed' && !s.continueOnError);
  const running = steps.filter((s) => s?.status === 'running' || s?.status === 'waiting');
  const parts = [`${done} of ${total} steps complete`];
  if (failed.length > 0) {
    parts.push(
      `tension at ${failed.map((s) => `${s?.id} (${plain(s?.error?.message ?? 'failed')})`).join(', ')}`,
    );
  }
  if (running.length > 0)
    parts.push(
      `in motion: ${running.map((s) => `${s?.id}${s?.status === 'waiting' ? ' (waiting)' : ''}`).join(', ')}`,
    );
  if (state.status === 'interrupted') parts.push('interrupted');
  return `${parts.join('; ')}.`;
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
    case 'workflow.step.retrying':
      return [
        `  - Tried again (attempt ${event.payload.attempt}) after: ${plain(event.payload.error.message)}`,
      ];
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

function describeNextMove(state: RunState): string | undefined {
  if (state.status === 'completed') return undefined;
  if (state.status === 'running') return `The story is still being told (run \`${state.runId}\`).`;
  return `The tension is unresolved. Fix the cause above, then continue the story with \`mia workflow resume ${state.runId}\`.`;
}

/** ` in 4.2s`, and over how many sessions when the run was resumed. */
function describeDuration(state: RunState): string {
  if (state.durationMs === undefined) return '';
  const sessions = state.resumes > 0 ? ` over ${state.resumes + 1} sessions` : '';
  return ` in ${formatDuration(state.durationMs)}${sessions}`;
}
