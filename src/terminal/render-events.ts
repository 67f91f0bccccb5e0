// Renders a run's events on the terminal: plain lines, a live footer on a TTY, or JSON lines.

import type { default as LogUpdateModule } from 'log-update';
import type { MiaEvent } from '../events/types.js';
import { describeOutdated } from '../narrative/facts.js';
import { formatDuration } from '../util/duration.js';
import { stripControlSequences as plain } from '../util/terminal-text.js';
import { applyEvent, foldRunState } from '../view/fold.js';
import { formatProgress } from '../view/format.js';
import { formatApproveCommand } from '../view/gates.js';
import { listStepStates, type RunState } from '../view/run-state.js';
import { countSteps } from '../view/summary.js';
import type { Io } from './io.js';

export type RenderMode = 'json' | 'live' | 'plain';

type LogUpdate = typeof LogUpdateModule;

/** Chooses how to show events: JSON when asked, a live view on a TTY, plain lines otherwise. */
export function chooseRenderMode(io: Io, isJson: boolean): RenderMode {
  if (isJson) return 'json';
  return io.isTty ? 'live' : 'plain';
}

/**
 * Shows events as they are published; `stop()` ends the live footer. `history` is what the run's
 * log held before (a resumed run's earlier sessions), so the footer counts from where it stands.
 */
export function createEventRenderer(
  io: Io,
  mode: RenderMode,
  options: { autoApprove?: boolean; history?: readonly MiaEvent[] } = {},
): {
  render(event: MiaEvent): void;
  stop(): void;
} {
  if (mode === 'json') {
    return { render: (event) => io.out(`${JSON.stringify(event)}\n`), stop: () => {} };
  }
  // Only the live footer needs log-update: it is loaded meanwhile, so that JSON and plain lines
  // start sooner and no event waits for it (the footer shows once it is there).
  let logUpdate: LogUpdate | undefined;
  let isStopped = false;
  if (mode === 'live') {
    void import('log-update')
      .then((loaded) => {
        if (!isStopped) logUpdate = loaded.default;
      })
      .catch(() => undefined);
  }
  // The run as the events leave it, folded as every other surface folds it.
  let state: RunState | undefined =
    options.history && options.history.length > 0 ? foldRunState(options.history) : undefined;
  const startedAt = Date.now();
  const footer = () => {
    const progress = state ? `${formatProgress(countSteps(state))} done` : 'starting';
    const running = state
      ? listStepStates(state)
          .filter((step) => step.status === 'running' || step.status === 'waiting')
          .map((step) => step.id)
      : [];
    return `${io.colors.dim('…')} ${progress}${running.length > 0 ? ` · running: ${running.join(', ')}` : ''} · ${formatDuration(Date.now() - startedAt)}`;
  };
  const timer = mode === 'live' ? setInterval(() => logUpdate?.(footer()), 500) : undefined;
  timer?.unref();
  const print = (line: string) => {
    logUpdate?.clear();
    io.out(`${line}\n`);
    logUpdate?.(footer());
  };
  return {
    render(event) {
      if (state) applyEvent(state, event);
      else if (event.type === 'workflow.started') state = foldRunState([event]);
      const line = formatEventLine(event, io, options.autoApprove === true);
      if (line !== undefined) print(line);
      else logUpdate?.(footer());
    },
    stop() {
      isStopped = true;
      if (timer) clearInterval(timer);
      logUpdate?.clear();
    },
  };
}

function formatEventLine(event: MiaEvent, io: Io, isAutoApproved: boolean): string | undefined {
  const c = io.colors;
  switch (event.type) {
    case 'workflow.started':
      return c.bold(`${event.payload.workflow}: ${plain(event.payload.narrative)}`);
    case 'workflow.resumed':
      return c.bold(
        `resumed: running ${event.payload.rerun.join(', ') || 'nothing'}; keeping ${event.payload.kept.join(', ') || 'nothing'}${event.payload.definitionChanged ? ' (definition changed)' : ''}${event.payload.outdated ? `; checked again: ${plain(describeOutdated(event.payload.outdated))}` : ''}`,
      );
    case 'workflow.step.started':
      return event.payload.attempt > 1
        ? `${c.cyan('▸')} ${event.payload.stepId} (attempt ${event.payload.attempt})`
        : `${c.cyan('▸')} ${event.payload.stepId} ${c.dim(`[${event.payload.universe}/${event.payload.action}]`)}`;
    case 'workflow.step.completed':
      return event.payload.cache?.hit
        ? `${c.green('✓')} ${event.payload.stepId} ${c.dim(`reused from run ${event.payload.cache.from} (cache)`)}`
        : `${c.green('✓')} ${event.payload.stepId} ${c.dim(formatDuration(event.payload.durationMs))}`;
    case 'workflow.step.failed':
      return event.payload.interrupted
        ? `${c.yellow('■')} ${event.payload.stepId} interrupted`
        : `${c.red('✗')} ${event.payload.stepId}: ${plain(event.payload.error.message)}`;
    case 'workflow.step.retrying':
      return `${c.yellow('↻')} ${event.payload.stepId} retries in ${formatDuration(event.payload.delayMs)}: ${plain(event.payload.error.message)}`;
    case 'workflow.step.skipped':
      return `${c.dim('↷')} ${event.payload.stepId} skipped: ${plain(event.payload.reason)}`;
    case 'workflow.step.waiting': {
      // A gate inside a chapter is answered through this run, by its path.
      const gate = event.payload.gate ?? event.payload.stepId;
      return isAutoApproved
        ? `${c.magenta('⏸')} ${gate} asks: ${plain(event.payload.prompt)} (approved by --yes)`
        : `${c.magenta('⏸')} ${gate} waits: ${plain(event.payload.prompt)}\n  answer with: ${formatApproveCommand(event.runId, gate)} [--reject --reason "…"]`;
    }
    case 'workflow.step.answered':
      // --yes answers are told with the question; a person's answer is worth a line.
      if (event.payload.automatic) return undefined;
      return `${c.magenta('↳')} ${event.payload.gate ?? event.payload.stepId} ${event.payload.approved ? 'approved' : 'rejected'} by ${plain(event.payload.by)}`;
    case 'workflow.tension':
      return c.red(
        c.bold(
          `  tension · ${plain(event.payload.text)}\n  full log: ${plain(event.payload.logPath)}`,
        ),
      );
    case 'beat.created':
      return event.payload.beat.type === 'challenge'
        ? undefined
        : `  ${c.italic(`${event.payload.beat.type.replace('_', ' ')} · ${plain(event.payload.beat.description)}`)}`;
    case 'workflow.completed':
      return c.green(c.bold(`completed in ${formatDuration(event.payload.durationMs)}`));
    case 'workflow.failed':
      return c.red(
        c.bold(
          `failed: ${event.payload.failedSteps.join(', ')} (${formatDuration(event.payload.durationMs)})`,
        ),
      );
    case 'workflow.interrupted':
      return c.yellow(
        c.bold(
          `interrupted (${event.payload.signal}); resume with: mia workflow resume ${event.runId}`,
        ),
      );
    default:
      return undefined;
  }
}
