// The selected run as the page knows it: its events folded by the run view (the same fold as the
// CLI and the server), drawn with what only the server knows (its plan, whether a process holds
// it); plus what the page keeps of the events themselves (beats, logs), in `seq` order.

import { TERMINAL_EVENT_TYPES } from '../events/statuses.js';
import type { Beat, MiaEvent } from '../events/types.js';
import type { RunDetail } from '../server/protocol.js';
import { toRunDetail } from '../view/detail.js';
import { applyEvent, foldRunState } from '../view/fold.js';
import type { RunState } from '../view/run-state.js';
import { RunLogs } from './run-logs.js';

/** What accepting an event did. */
export type AcceptResult = 'applied' | 'duplicate' | 'gap';

export class RunView {
  readonly runId: string;
  /** The last `seq` taken in order: the `since` of a resubscription. */
  lastSeq = 0;
  readonly beats: Beat[] = [];
  readonly logs = new RunLogs();
  /** Set when an event asks for the run to be fetched again (its plan or owner may have changed). */
  needsRefetch = false;
  #state: RunState | null = null;
  #snapshot: RunDetail | null = null;
  readonly #early = new Map<number, MiaEvent>();

  constructor(runId: string) {
    this.runId = runId;
  }

  /** Whether events are missing between `lastSeq` and some received later. */
  get hasGap(): boolean {
    return this.#early.size > 0;
  }

  /**
   * The run as drawn: the run view of the folded events, once they reach the fetched detail (until
   * then, the detail as the server made it, with the same run view).
   */
  get live(): RunDetail | null {
    const snapshot = this.#snapshot;
    const state = this.#state;
    if (!snapshot) return null;
    if (!state || state.lastSeq < snapshot.lastSeq) return snapshot;
    const logPaths = new Map(snapshot.steps.map((step) => [step.id, step.logPath]));
    return toRunDetail(state, {
      // Events after the fetch mean a process writes the run: it is live, not crashed.
      isLive: snapshot.status !== 'crashed' || state.lastSeq > snapshot.lastSeq,
      levels: snapshot.levels,
      criticalPath: snapshot.criticalPath,
      getLogPath: (stepId) => logPaths.get(stepId) ?? '',
      root: snapshot.root,
    });
  }

  /** Takes a freshly fetched detail: the plan, log paths and owner the events do not tell. */
  setSnapshot(detail: RunDetail): void {
    this.#snapshot = detail;
  }

  /** Takes an event of this run; events arrive at least once, in any order. */
  accept(event: MiaEvent): AcceptResult {
    if (event.seq <= this.lastSeq || this.#early.has(event.seq)) return 'duplicate';
    if (event.seq > this.lastSeq + 1) {
      this.#early.set(event.seq, event);
      return 'gap';
    }
    this.#take(event);
    for (
      let next = this.#early.get(this.lastSeq + 1);
      next;
      next = this.#early.get(this.lastSeq + 1)
    ) {
      this.#early.delete(next.seq);
      this.#take(next);
    }
    return this.hasGap ? 'gap' : 'applied';
  }

  #take(event: MiaEvent): void {
    this.lastSeq = event.seq;
    if (this.#state) applyEvent(this.#state, event);
    else if (event.type === 'workflow.started') this.#state = foldRunState([event]);
    if (event.type === 'beat.created') this.beats.push(event.payload.beat);
    this.logs.take(event);
    if (REFETCH_EVENT_TYPES.has(event.type) && event.seq > (this.#snapshot?.lastSeq ?? 0)) {
      this.needsRefetch = true;
    }
  }
}

/** Events after which the run's plan or owner may have changed: the page fetches the run again. */
export const REFETCH_EVENT_TYPES: ReadonlySet<MiaEvent['type']> = new Set<MiaEvent['type']>([
  'workflow.started',
  'workflow.resumed',
  ...TERMINAL_EVENT_TYPES,
]);
