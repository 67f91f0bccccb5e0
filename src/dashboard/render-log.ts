// The selected step's log, appended as its chunks arrive, following the end unless scrolled back.

import { createElement, setText } from './dom.js';
import type { LogChunk } from './run-logs.js';

export interface LogElements {
  title: HTMLElement;
  path: HTMLElement;
  log: HTMLElement;
}

/** What the log element shows, so only new chunks are appended. */
interface Shown {
  key: string;
  count: number;
  first: LogChunk | undefined;
  revision: number;
}

const shownByElement = new WeakMap<HTMLElement, Shown>();

/** Draws the log of `stepId` (null: no step selected). */
export function renderLog(
  elements: LogElements,
  stepId: string | null,
  logPath: string,
  chunks: readonly LogChunk[],
  /** Changes when a chunk already shown changed (text read from the log file into it). */
  revision: number,
): void {
  const { title, path, log } = elements;
  setText(title, stepId ? `Log · ${stepId}` : 'Log');
  setText(path, stepId ? logPath : 'Select a step to follow its output.');
  const key = stepId ?? '';
  const shown = shownByElement.get(log);
  const isAtEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 24;
  // Old chunks are dropped past the page's limit, or one shown changed: then the log is drawn
  // again from the start.
  if (
    !shown ||
    shown.key !== key ||
    shown.first !== chunks[0] ||
    shown.count > chunks.length ||
    shown.revision !== revision
  ) {
    log.replaceChildren();
    shownByElement.set(log, { key, count: 0, first: chunks[0], revision });
  }
  const state = shownByElement.get(log)!;
  for (const chunk of chunks.slice(state.count)) {
    log.append(
      chunk.stream === 'stdout'
        ? chunk.text
        : createElement('span', { class: chunk.stream }, chunk.text),
    );
  }
  state.count = chunks.length;
  if (stepId && chunks.length === 0) setText(log, '(no output yet)');
  if (isAtEnd) log.scrollTop = log.scrollHeight;
}
