// The dashboard of `mia workflow run|resume --dashboard`: the server of `mia dashboard`, alongside
// one run; and what both share: the server, loaded only when asked for, and waiting for Ctrl-C.

import type { EventLog } from '../store/event-log.js';
import { stripControlSequences as plain } from '../util/terminal-text.js';
import type { CommandContext } from './context.js';

/** The dashboard of one run started by `--dashboard`. */
export interface RunDashboard {
  /** Prints the URL and streams this run's events as soon as they are written. Returns detach. */
  attach(events: EventLog): () => void;
  /** On a terminal, keeps the dashboard open after the run until Ctrl-C, saying so. */
  linger(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a dashboard on any free port of 127.0.0.1 for `run|resume --dashboard`. */
export async function openRunDashboard(
  ctx: CommandContext,
  options: { dashboard?: boolean; json?: boolean },
): Promise<RunDashboard | undefined> {
  if (options.dashboard !== true) return undefined;
  const isJson = options.json === true;
  const say = (text: string) => (isJson ? ctx.io.err(text) : ctx.io.out(text));
  const { startDashboardServer } = await loadServer();
  const server = await startDashboardServer({
    workspace: ctx.workspace,
    port: 0,
    onProblem: (message) => ctx.io.err(`warning: ${plain(message)}\n`),
  });
  return {
    attach(events) {
      say(`dashboard ${server.url}\n`);
      return server.module.attachLog(events);
    },
    async linger() {
      if (isJson || !ctx.io.isTty) return;
      ctx.io.err(
        `The run has ended; the dashboard stays open at ${server.url}\nPress Ctrl-C to close it.\n`,
      );
      await waitForSignal();
    },
    close: () => server.close(),
  };
}

/** The server and its dependencies (ws, …) load only when a dashboard is asked for. */
export function loadServer(): Promise<typeof import('../server/standalone.js')> {
  return import('../server/standalone.js');
}

/** Resolves at the first SIGINT or SIGTERM. */
export function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
