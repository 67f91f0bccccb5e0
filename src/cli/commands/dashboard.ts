// `mia dashboard`, and the dashboard of `mia workflow run|resume --dashboard`: the same server,
// standalone until Ctrl-C, or alongside one run.

import { UsageError } from '../../errors.js';
import type { EventLog } from '../../store/event-log.js';
import { stripControlSequences as plain } from '../../util/terminal-text.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

/** The port of `mia dashboard` when none is given. */
export const DEFAULT_DASHBOARD_PORT = 4817;

export interface DashboardOptions {
  port?: number;
  host?: string;
  allowRemote?: boolean;
}

/** `--port N`: 0 (any free port) to 65535. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new UsageError(
      `--port "${value}" is not a port number from 0 to 65535.`,
      'For example --port 4817, or --port 0 for any free port.',
    );
  }
  return port;
}

/** The variable that gives `mia dashboard` a lasting token (the mia extensions keep one). */
export const TOKEN_VARIABLE = 'MIA_DASHBOARD_TOKEN';
const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{16,256}$/;

/** The token from MIA_DASHBOARD_TOKEN, checked; undefined when the variable is unset or empty. */
export function readTokenVariable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = env[TOKEN_VARIABLE];
  if (token === undefined || token === '') return undefined;
  if (!TOKEN_PATTERN.test(token)) {
    throw new UsageError(
      `${TOKEN_VARIABLE} is not a usable token: it must be 16 to 256 letters, digits, ".", "_", "~" or "-" (it goes into URLs).`,
      `Make one with: node -e "console.log(require('crypto').randomBytes(24).toString('base64url'))"`,
    );
  }
  return token;
}

/** Serves the dashboard of the workspace until SIGINT or SIGTERM; prints its URL first. */
export async function dashboardCommand(
  ctx: CommandContext,
  options: DashboardOptions,
): Promise<number> {
  const token = readTokenVariable();
  const { startDashboardServer } = await loadServer();
  const server = await startDashboardServer({
    workspace: ctx.workspace,
    port: options.port ?? DEFAULT_DASHBOARD_PORT,
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(token === undefined ? {} : { token }),
    allowRemote: options.allowRemote === true,
    onProblem: (message) => ctx.io.err(`warning: ${plain(message)}\n`),
  });
  ctx.io.out(`${server.url}\n`);
  ctx.io.err(
    `Serving the dashboard of ${ctx.workspace}: every run, live. Open the URL above (it holds the access token); Ctrl-C to stop.\n` +
      `The mia VS Code extensions: set mia.serverUrl to ${new URL(server.url).origin} and store the token as the secret mia.serverToken${token === undefined ? ` (it changes at each start unless ${TOKEN_VARIABLE} gives one)` : ''}.\n`,
  );
  await waitForSignal();
  await server.close();
  return EXIT.ok;
}

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
function loadServer(): Promise<typeof import('../../server/standalone.js')> {
  return import('../../server/standalone.js');
}

function waitForSignal(): Promise<void> {
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
