// `mia dashboard`: the workflow module on a minimal host of its own (node:http), on 127.0.0.1 unless
// told otherwise: the module's paths, plus the mia narrative channel at /api/ws/narrative, `/`
// sent to the page, and the first contract's `/api/runs…` paths as aliases.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../errors.js';
import { checkHostAndOrigin } from './auth.js';
import { ApiFailure, sendError, sendFailure } from './http.js';
import { createWorkflowModule, type WorkflowModule, type WorkflowModuleOptions } from './module.js';
import { API_PREFIX, NARRATIVE_WS_PATH, PAGE_PATH } from './protocol.js';
import { type RequestHandler, redirect } from './routes.js';
import { createUpgradeRouter } from './upgrade-router.js';

export interface DashboardServerOptions
  extends Omit<WorkflowModuleOptions, 'auth' | 'serverHost' | 'trustedOrigins'> {
  workspace: string;
  /** 0 picks any free port. */
  port: number;
  /** Default 127.0.0.1; anything not loopback needs `allowRemote`. */
  host?: string;
  allowRemote?: boolean;
  /** Told when a run's log cannot be followed. */
  onProblem?: (message: string) => void;
}

/** A running dashboard server. */
export interface DashboardServer {
  /** `http://<host>:<port>/?token=<token>`: what to open. */
  url: string;
  port: number;
  module: WorkflowModule;
  /** Disconnects every client, stops following runs and closes the server. */
  close(): Promise<void>;
}

export const DEFAULT_HOST = '127.0.0.1';

/** True for names that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return (
    host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host)
  );
}

/** Starts the module on its own server and resolves once it listens. */
export async function startDashboardServer(
  options: DashboardServerOptions,
): Promise<DashboardServer> {
  const host = (options.host ?? DEFAULT_HOST).replace(/^\[(.*)\]$/, '$1');
  if (!isLoopbackHost(host) && options.allowRemote !== true) {
    throw new UsageError(
      `--host ${host} would let other machines reach the dashboard; the access token is its only protection, and it travels in plain HTTP.`,
      'Keep the default (127.0.0.1) and use an SSH tunnel, or pass --allow-remote if you accept the risk.',
    );
  }
  const module = createWorkflowModule({ ...options, auth: 'all', serverHost: host });
  await module.initialize({
    config: { workspace: options.workspace },
    logger: { warn: (message) => options.onProblem?.(message.replace(/^workflow: /, '')) },
  });
  let handler: RequestHandler | undefined;
  module.routes({ use: (given) => (handler = given) });
  const server = createServer((request, response) => {
    try {
      serveStandalone(request, response, host, handler);
    } catch (error) {
      sendFailure(response, error);
    }
  });
  const router = createUpgradeRouter();
  module.wsHandlers(router);
  router.ws(NARRATIVE_WS_PATH, module.acceptSocket);
  server.on('upgrade', router.handleUpgrade);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await module.dispose();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new UsageError(
        `Cannot listen on ${host}:${options.port} (${code}).`,
        'Choose another --port, or --port 0 for any free one.',
      );
    }
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  // Every interface includes the loopback one: show the address that works on this machine.
  const shownHost = host === '0.0.0.0' || host === '::' ? DEFAULT_HOST : host;
  const urlHost = shownHost.includes(':') ? `[${shownHost}]` : shownHost;
  return {
    url: `http://${urlHost}:${port}/?token=${module.token}`,
    port,
    module,
    async close() {
      await module.dispose();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** The first contract's paths, answered by `mia dashboard` only: `/api/runs…`, `/api/workflows`. */
const ALIAS_PATTERN = /^\/api\/(runs|workflows)(?=$|[/?])/;

/**
 * The host's part of a request: `/` goes to the page (its query, and so the token, kept), an alias
 * is answered as the path it stands for, and what the module leaves is a 404.
 */
function serveStandalone(
  request: IncomingMessage,
  response: ServerResponse,
  host: string,
  handler: RequestHandler | undefined,
): void {
  const url = request.url ?? '/';
  const path = url.split('?')[0];
  if (path === '/') {
    const refusal = checkHostAndOrigin(request, { host });
    if (refusal) sendError(response, refusal.status, refusal);
    else redirect(response, `${PAGE_PATH}${url.slice(path.length)}`);
    return;
  }
  if (ALIAS_PATTERN.test(url)) request.url = url.replace('/api/', `${API_PREFIX}/`);
  handler?.(request, response, () =>
    sendFailure(
      response,
      new ApiFailure(
        404,
        'MIA_SERVER_NOT_FOUND',
        `No route ${request.method} ${path}.`,
        `The dashboard is ${PAGE_PATH}; its API is under ${API_PREFIX}/.`,
      ),
    ),
  );
}
