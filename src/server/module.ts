// The mia server module of mia-workflow (contract section 8): the HTTP API under /api/workflow/,
// the page under /workflow/, the socket at /api/workflow/ws, and every run's events on the host's
// narrative bus. `mia dashboard` is this module on a small host of its own (standalone.ts).

import { readFileSync } from 'node:fs';
import { MiaError } from '../errors.js';
import type { EventLog } from '../store/event-log.js';
import { type AccessPolicy, createToken } from './auth.js';
import { forwardToBus, type NarrativeBus } from './bus.js';
import { RunFeed } from './feed.js';
import { sendError } from './http.js';
import { API_PREFIX, MODULE_WS_PATH, PAGE_PATH } from './protocol.js';
import { createApiHandler, isModulePath, type RequestHandler } from './routes.js';
import type { WebsocketHandler, WebsocketRouter } from './upgrade-router.js';
import { createNarrativeSocket, type NarrativeSocket, type NarrativeSocketOptions } from './ws.js';

const packageJson = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string };

/**
 * What the module's token guards: `actions` (the default), resume and approve, reads following
 * the host's authentication; `host`, nothing (the host vouches for every request); `all`, every
 * route and the socket (`mia dashboard`, which has no other authentication).
 */
export type AuthMode = 'actions' | 'host' | 'all';

export interface WorkflowModuleOptions {
  /** The workspace whose runs are served; default: `ctx.config.workspace`, else the current directory. */
  workspace?: string;
  /** The access token; a fresh random one by default. */
  token?: string;
  auth?: AuthMode;
  /**
   * Set when the module is the whole server, listening on this host (`mia dashboard`): `Host` must
   * then name this server. Unset (in a host), an `Origin` must name the host the request came to.
   */
  serverHost?: string;
  /** In a host: other origins (`host:port`, or `*`) whose pages may call the module. */
  trustedOrigins?: string[];
  /** How often the feed polls for appended events (default 250 ms). */
  pollMs?: number;
  /** Limits of the socket. */
  socket?: Pick<
    NarrativeSocketOptions,
    'maxPayload' | 'maxBufferedBytes' | 'heartbeatMs' | 'authTimeoutMs'
  >;
  /** The built page's folder (default: dist/dashboard of this package). */
  dashboardDir?: string;
}

/**
 * What a mia host gives `initialize` (its `MiaServerContext`). The module uses `config`, `logger`
 * and `bus`; `app` and `wsRouter` come to `routes` and `wsHandlers` instead.
 */
export interface MiaModuleContext {
  app?: unknown;
  wsRouter?: unknown;
  getModule?: (name: string) => unknown;
  config?: { workspace?: string };
  logger?: { warn(message: string): void; info?(message: string): void };
  bus?: NarrativeBus;
}

/** Anything routes can be mounted on with `use(handler)`: an Express 5 or connect app. */
export interface RouteHost {
  use(handler: RequestHandler): unknown;
}

/** The module object a mia host loads (its `MiaModule`). */
export interface WorkflowModule {
  readonly name: 'workflow';
  readonly version: string;
  readonly dependencies: readonly string[];
  /** The token the policy asks for (see AuthMode). */
  readonly token: string;
  /** The workspace served; undefined until `initialize` when not given. */
  readonly workspace: string | undefined;
  /** Starts following the workspace's runs (and emitting them on `ctx.bus`). */
  initialize(ctx?: MiaModuleContext): Promise<void>;
  /** Mounts `/api/workflow/*` and `/workflow/*` with `app.use`; every other path goes on. */
  routes(app: RouteHost): void;
  /** Registers the socket at `/api/workflow/ws` on the host's router. */
  wsHandlers(router: WebsocketRouter): void;
  /** The socket as a `.ws()` handler, for a host that serves it at another path as well. */
  readonly acceptSocket: WebsocketHandler;
  /** Streams an in-process run's events as soon as they are written. Returns the detach function. */
  attachLog(log: EventLog): () => void;
  /** Disconnects every client, stops following runs and emitting on the bus. */
  dispose(): Promise<void>;
}

const NOT_STARTED_UPGRADE =
  'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

interface Started {
  workspace: string;
  feed: RunFeed;
  socket: NarrativeSocket;
  handler: RequestHandler;
  stopBus: () => void;
}

/** Creates the workflow module (the package's default export is one made with no options). */
export function createWorkflowModule(options: WorkflowModuleOptions = {}): WorkflowModule {
  const token = options.token ?? createToken();
  const mode = options.auth ?? 'actions';
  const access: AccessPolicy = {
    ...(options.serverHost === undefined ? {} : { server: { host: options.serverHost } }),
    ...(options.trustedOrigins === undefined ? {} : { trustedOrigins: options.trustedOrigins }),
    isTokenNeededToRead: mode === 'all',
    isTokenNeededToAct: mode !== 'host',
  };
  let started: Started | undefined;
  let starting: Promise<void> | undefined;
  const acceptSocket: WebsocketHandler = (request) => {
    if (started) started.socket.handleUpgrade(request, request.ws, request.head);
    else request.ws.end(NOT_STARTED_UPGRADE);
    request.ws.resume();
  };
  const requireStarted = (): Started => {
    if (started) return started;
    throw new MiaError('MIA_SERVER_NOT_STARTED', 'The workflow module is not initialized.', {
      hint: 'Call `await module.initialize(ctx)` before using it.',
    });
  };
  /** Starts following the workspace's runs (once: `initialize` shares the start under way). */
  const start = async (ctx: MiaModuleContext): Promise<void> => {
    const workspace = options.workspace ?? ctx.config?.workspace ?? process.cwd();
    const onProblem = (message: string) => ctx.logger?.warn(`workflow: ${message}`);
    const feed = new RunFeed({
      workspace,
      ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
      onProblem,
    });
    await feed.start();
    const socket = createNarrativeSocket({ ...options.socket, feed, token, access });
    const handler = createApiHandler({
      workspace,
      token,
      access,
      ...(options.dashboardDir === undefined ? {} : { dashboardDir: options.dashboardDir }),
    });
    const stopBus = ctx.bus ? forwardToBus(feed, ctx.bus, onProblem) : () => {};
    started = { workspace, feed, socket, handler, stopBus };
    ctx.logger?.info?.(
      `workflow: the runs of ${workspace} at ${PAGE_PATH} and ${API_PREFIX}/` +
        (access.isTokenNeededToAct ? ` (resume and approve need ?token=${token})` : ''),
    );
  };
  return {
    name: 'workflow',
    version: packageJson.version,
    dependencies: [],
    token,
    get workspace() {
      return started?.workspace ?? options.workspace;
    },
    initialize(ctx = {}) {
      // Calls made while it starts share that start: two would follow the runs twice.
      starting ??= start(ctx).catch((error: unknown) => {
        starting = undefined;
        throw error;
      });
      return starting;
    },
    routes(app) {
      app.use((request, response, next) => {
        if (started) return started.handler(request, response, next);
        if (!isModulePath(request) && next) return next();
        sendError(response, 503, {
          code: 'MIA_SERVER_NOT_STARTED',
          message: 'The workflow module is starting (or was disposed): try again in a moment.',
        });
      });
    },
    wsHandlers(router) {
      router.ws(MODULE_WS_PATH, acceptSocket);
    },
    acceptSocket,
    attachLog: (log) => requireStarted().feed.attachLog(log),
    async dispose() {
      // A start under way ends first, then is undone: nothing it began outlives dispose().
      const pending = starting;
      starting = undefined;
      await pending?.catch(() => undefined);
      if (!started) return;
      const { feed, socket, stopBus } = started;
      started = undefined;
      stopBus();
      feed.close();
      await socket.close();
    },
  };
}
