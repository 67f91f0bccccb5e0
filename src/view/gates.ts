// What waits for an answer in a run, and the command that answers it from a terminal.

import { listStepStates, type RunState } from './run-state.js';

/**
 * The run the user started, from which every gate is answered: the run itself, or the one above
 * a chapter, with the path from it to the chapter (`<chapter-step>/`, one segment per chapter).
 */
export interface RootRun {
  runId: string;
  prefix: string;
}

/** A gate that waits, named as `mia workflow approve` takes it. */
export interface GateView {
  /** The step of this run that waits (a chapter step, for a gate inside its chapter). */
  stepId: string;
  /** The gate's path from this run: the step's id, or `<step>/<gate>` inside its chapter. */
  gate: string;
  prompt: string;
  /** The command that answers it: `mia workflow approve <root-run> <path from the root>`. */
  command: string;
}

/** The command that answers a gate, given the run the user started and the gate's path. */
export function formatApproveCommand(runId: string, path: string): string {
  // A matrix leg's path holds parentheses, spaces and more: quoted for the shell.
  const shown = /^[A-Za-z0-9_/-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
  return `mia workflow approve ${runId} ${shown}`;
}

/** The run itself as the root (a run the user started). */
export function getOwnRoot(state: RunState): RootRun {
  return { runId: state.runId, prefix: '' };
}

/** Every gate of the run that waits for an answer, in step order. */
export function listWaitingGates(state: RunState, root: RootRun = getOwnRoot(state)): GateView[] {
  return listStepStates(state).flatMap((step) =>
    step.gates.map((gate) => ({
      stepId: step.id,
      gate: gate.path,
      prompt: gate.prompt,
      command: formatApproveCommand(root.runId, `${root.prefix}${gate.path}`),
    })),
  );
}
