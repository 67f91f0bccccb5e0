// The beats as a timeline in three universe lanes (and a thin lane for the run's own beats),
// one column per beat in the order they happened.

import { UNIVERSES } from '../definition/types.js';
import type { Beat, BeatType } from '../events/types.js';
import { createElement } from './dom.js';
import { formatClock } from './format.js';

const LANES = ['run', ...UNIVERSES] as const;

const BEAT_WORDS: Record<BeatType, string> = {
  inciting_incident: 'inciting incident',
  rising_action: 'rising action',
  climax: 'climax',
  falling_action: 'falling action',
  resolution: 'resolution',
  discovery: 'discovery',
  challenge: 'challenge',
  transformation: 'transformation',
};

/** The width of one beat's column, in rem (the stylesheet positions beats with it). */
const COLUMN_REM = 13;

function createLane(lane: (typeof LANES)[number]): HTMLElement {
  return createElement(
    'section',
    {
      class: `lane lane-${lane}`,
      'data-testid': `lane-${lane}`,
      'aria-label': `${lane} lane`,
    },
    createElement('h4', { class: 'lane-title' }, lane),
    createElement('ol', { class: 'lane-beats' }),
  );
}

/** A beat's significance (0..1) in three steps, for its look. */
function describeSignificance(significance: number): 'low' | 'medium' | 'high' {
  if (significance >= 0.8) return 'high';
  return significance >= 0.5 ? 'medium' : 'low';
}

/** The universes' lines about the beat, one per universe that has something to say. */
function createAnnotations(beat: Beat): HTMLElement | undefined {
  const lines = UNIVERSES.filter((universe) => beat.universeAnnotations[universe]);
  if (lines.length === 0) return undefined;
  return createElement(
    'ul',
    { class: 'beat-annotations' },
    ...lines.map((universe) =>
      createElement(
        'li',
        { 'data-testid': 'annotation', 'data-universe': universe },
        createElement('span', { class: 'annotation-universe' }, universe),
        ` ${beat.universeAnnotations[universe]}`,
      ),
    ),
  );
}

function createBeat(beat: Beat, column: number): HTMLElement {
  const time = formatClock(beat.timestamp);
  const notes = UNIVERSES.filter((universe) => beat.universeAnnotations[universe]).map(
    (universe) => `\n${universe}: ${beat.universeAnnotations[universe]}`,
  );
  return createElement(
    'li',
    {
      class: `beat beat-${beat.type} significance-${describeSignificance(beat.significance)}`,
      'data-testid': 'beat',
      'data-type': beat.type,
      'data-universe': beat.universe ?? 'run',
      'data-significance': String(beat.significance),
      style: `left: ${column * COLUMN_REM}rem`,
      title: `${BEAT_WORDS[beat.type]} · ${beat.description}${notes.join('')}`,
    },
    createElement('span', { class: 'beat-type' }, BEAT_WORDS[beat.type]),
    createElement('span', { class: 'beat-description' }, beat.description),
    createAnnotations(beat),
    createElement(
      'span',
      { class: 'beat-when muted' },
      [beat.stepId, time].filter(Boolean).join(' · '),
    ),
  );
}

/**
 * Draws `beats` into `container`: the lanes are built once per run, then new beats are appended,
 * and the view follows the newest beat unless the reader scrolled back.
 */
export function renderTimeline(
  container: HTMLElement,
  runId: string,
  beats: readonly Beat[],
): void {
  if (container.dataset.runId !== runId) {
    container.dataset.runId = runId;
    container.dataset.count = '0';
    container.replaceChildren(...LANES.map(createLane));
  }
  const shown = Number(container.dataset.count);
  if (shown === beats.length) return;
  const isAtEnd = container.scrollLeft + container.clientWidth >= container.scrollWidth - 40;
  beats.slice(shown).forEach((beat, index) => {
    const lane = beat.universe ?? 'run';
    const list = container.querySelector(`.lane-${lane} .lane-beats`)!;
    list.append(createBeat(beat, shown + index));
  });
  container.dataset.count = String(beats.length);
  const width = `${beats.length * COLUMN_REM}rem`;
  for (const list of container.querySelectorAll<HTMLElement>('.lane-beats'))
    list.style.width = width;
  if (isAtEnd) container.scrollLeft = container.scrollWidth;
}
