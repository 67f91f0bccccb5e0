// `mia dashboard`: serves the dashboard of every run of the workspace until Ctrl-C.

import { UsageError } from '../../errors.js';
import { stripControlSequences as plain } from '../../util/terminal-text.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { loadServer, waitForSignal } from '../run-dashboard.js';

/** The port of `mia dashboard` when none is given. */
export const DEFAULT_DASHBOARD_PORT = 4817;

export interface DashboardOptions {
  port?: number;
  host?: string;
  allowRemote?: boolean;
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
