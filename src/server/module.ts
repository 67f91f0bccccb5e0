// The mia server module of mia-workflow (contract section 8): the dashboard's HTTP routes and the
// narrative socket, to mount on any mia server, Express 5 or connect app.

import { readFileSync } from 'node:fs';
import type { EventLog } from '../store/event-log.js';
import { type AccessOptions, createToken } from './auth.js';
import { RunFeed } from './feed.js';
import { NARRATIVE_WS_PATH } from './protocol.js';
import { createApiHandler, type RequestHandler } from './routes.js';
import type { WsRouter } from './upgrade-router.js';
import { createNarrativeSocket, type NarrativeSocketOptions } from './ws.js';

const packageJson = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string };

export interface WorkflowModuleOptions {
  /** The workspace whose runs are served (its `.mia/`). */
  workspace: string;
  /** The access token; a fresh random one by default. */
  token?: string;
  /** The host the server listens on, when not loopback (it then also passes the Host check). */
  host?: string;
  /** How often the feed polls for appended events (default 250 ms). */
  pollMs?: number;
  /** Limits of the narrative socket. */
  socket?: Pick<
    NarrativeSocketOptions,
    'maxPayload' | 'maxBufferedBytes' | 'heartbeatMs' | 'authTimeoutMs'
  >;
  /** The built page's folder (default: dist/dashboard of this package). */
  dashboardDir?: string;
}

/** What a mia server gives `initialize`: here, only somewhere to report problems. */
export interface MiaModuleContext {
  logger?: { warn(message: string): void };
}

/** Anything routes can be mounted on with `use(handler)`: an Express 5 or connect app. */
export interface RouteHost {
  use(handler: RequestHandler): unknown;
}

/** The module object a mia server loads. */
export interface WorkflowModule {
  readonly name: 'workflow';
  readonly version: string;
  /** The token every HTTP call and socket must present. */
  readonly token: string;
  readonly workspace: string;
  /** Starts following the workspace's runs. */
  initialize(ctx?: MiaModuleContext): Promise<void>;
  /** Mounts the API and the page: `app.use(handler)`. */
  routes(app: RouteHost): void;
  /** Registers the narrative socket on `router` at `/api/ws/narrative`. */
  wsHandlers(router: WsRouter): void;
  /** Streams an in-process run's events as soon as they are written. Returns the detach function. */
  attachLog(log: EventLog): () => void;
  /** Disconnects every client and stops following runs. */
  dispose(): Promise<void>;
}

/** Creates the workflow module for one workspace. */
export function createWorkflowModule(options: WorkflowModuleOptions): WorkflowModule {
  const token = options.token ?? createToken();
  const access: AccessOptions = options.host === undefined ? {} : { host: options.host };
  let logger: MiaModuleContext['logger'];
  const feed = new RunFeed({
    workspace: options.workspace,
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    onProblem: (message) => logger?.warn(message),
  });
  const socket = createNarrativeSocket({ ...options.socket, feed, token, access });
  const handler = createApiHandler({
    workspace: options.workspace,
    token,
    access,
    ...(options.dashboardDir === undefined ? {} : { dashboardDir: options.dashboardDir }),
  });
  return {
    name: 'workflow',
    version: packageJson.version,
    token,
    workspace: options.workspace,
    async initialize(ctx) {
      logger = ctx?.logger;
      await feed.start();
    },
    routes(app) {
      app.use(handler);
    },
    wsHandlers(router) {
      router.register(NARRATIVE_WS_PATH, (request, stream, head) =>
        socket.handleUpgrade(request, stream, head),
      );
    },
    attachLog: (log) => feed.attachLog(log),
    async dispose() {
      feed.close();
      await socket.close();
    },
  };
}
