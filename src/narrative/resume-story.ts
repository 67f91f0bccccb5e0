// Tells a resume in story.md: the crash before it, if the run's process died, with the steps it cut
// off, and what the resume did, told from the run's state just before it (so it never says
// "again" of a step that never ran).

import type { EventOf } from '../events/types.js';
import { formatDuration } from '../util/duration.js';
import { stripControlSequences as plain } from '../util/terminal-text.js';
import type { RunState, StepState } from '../view/run-state.js';
import { describeOutdated } from './facts.js';

/**
 * The lines for a `workflow.resumed` event. `before` is the run's state folded up to the event;
 * `headAtTension` the commit at the last tension (to say the code changed since).
 */
export function tellResume(
  event: EventOf<'workflow.resumed'>,
  before: RunState,
  headAtTension: string | null,
): string[] {
  const lines = before.isSessionEnded ? [] : tellCrash(before);
  const { rerun, kept, definitionChanged, from, vcs, outdated } = event.payload;
  const moved =
    vcs && headAtTension && vcs.head !== headAtTension
      ? `the code changed since the tension: ${headAtTension.slice(0, 7)} → ${vcs.head.slice(0, 7)}${vcs.subject ? ` "${plain(vcs.subject)}"` : ''}`
      : '';
  const why = [
    moved,
    definitionChanged ? 'the definition changed' : '',
    outdated ? `checked again: ${plain(describeOutdated(outdated))}` : '',
    from ? `from ${from}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const again: string[] = [];
  const first: string[] = [];
  for (const id of rerun) {
    const step = before.stepStates.get(id);
    if (step && step.attempts > 0) again.push(`${id} (${describeHowItEnded(step, before)})`);
    else first.push(id);
  }
  const did = [
    again.length > 0 ? `running ${joinNames(again)} again` : '',
    first.length > 0 ? `running ${joinNames(first)} for the first time` : '',
    `keeping ${kept.length > 0 ? joinNames(kept) : 'nothing'}`,
  ].filter(Boolean);
  if (again.length === 0 && first.length === 0) did.unshift('running nothing');
  lines.push(
    '',
    `*Resumed at ${event.timestamp}${why ? ` (${why})` : ''}: ${did.join('; ')}.*`,
    '',
  );
  return lines;
}

/** The process of the session before died without its final event: when, and what it cut off. */
function tellCrash(before: RunState): string[] {
  const cut = before.steps
    .map((step) => before.stepStates.get(step.id))
    .filter((step): step is StepState => step?.status === 'running' || step?.status === 'waiting');
  const cutOff = cut.map((step) => {
    const since = step.startedAt ? `, running since ${step.startedAt}` : '';
    const what = step.status === 'waiting' ? 'while it waited at its gate' : 'mid-run';
    return `\`${step.id}\` ${what} (attempt ${step.attempts}${since})`;
  });
  const ran = Date.parse(before.sessionReachedAt) - Date.parse(before.sessionStartedAt);
  const told = cutOff.length > 0 ? `it cut off ${joinNames(cutOff)}` : 'no step was running';
  return [
    '',
    `*The run's process stopped without finishing (it crashed or was killed); its last event was at ${before.sessionReachedAt}, ${formatDuration(Math.max(0, ran))} into that session: ${told}.*`,
  ];
}

function describeHowItEnded(step: StepState, before: RunState): string {
  if (step.status === 'running' || step.status === 'waiting') {
    return before.isSessionEnded ? 'interrupted' : 'cut off by the crash';
  }
  return step.status === 'completed' ? 'completed before' : step.status;
}

function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
