// A re-creation of the mia host (miadisabelle/mia-code-server, read on 2026-12-02), from what its
// code does, to mount the module in: Express 5 with two apps, one for HTTP and one for upgrades. On
// `upgrade` the socket is paused and set on the request (`req.ws`, `req.head`), and the request runs
// through the upgrade app, where socket routes come from WebsocketRouters (`.router`, `.ws(path,
// handler)`). A narrative bus (`emit(type, payload, channel?, traceId?)` adds an id and a timestamp
// and keeps the last 200; `onEvent(handler)`) feeds the host's own `/api/ws/narrative`: a client
// without subscriptions gets every event, subscriptions filter by channel (`<domain>:*` matches a
// domain), `replay {since}` sends the kept events after an id. The host has its own `/api/health`,
// `/` (the workbench) and a 404 for the rest.

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { WebSocketServer } from 'ws';

export interface BusEvent {
  id: string;
  type: string;
  channel?: string;
  payload: unknown;
  timestamp: string;
  traceId?: string;
}

/** The host's narrative bus. */
export class HostBus {
  readonly recent: BusEvent[] = [];
  readonly #emitter = new EventEmitter();

  emit(type: string, payload: unknown, channel?: string, traceId?: string): BusEvent {
    const event: BusEvent = {
      id: randomUUID(),
      type,
      ...(channel === undefined ? {} : { channel }),
      payload,
      timestamp: new Date().toISOString(),
      traceId: traceId ?? randomUUID(),
    };
    this.recent.push(event);
    if (this.recent.length > 200) this.recent.shift();
    this.#emitter.emit('narrative', event);
    return event;
  }

  onEvent(handler: (event: BusEvent) => void): () => void {
    this.#emitter.on('narrative', handler);
    return () => this.#emitter.off('narrative', handler);
  }
}

type WsRequest = Request & { ws: Duplex; head: Buffer; isWsHandled?: boolean };
type WsHandler = (req: WsRequest, res: Response, next: NextFunction) => unknown;

/** The host's socket routes: an Express router whose GET routes take upgrades. */
export class HostWebsocketRouter {
  readonly router = express.Router();

  ws(path: string, ...handlers: WsHandler[]): void {
    this.router.get(
      path,
      ...handlers.map((handler) => (req: Request, res: Response, next: NextFunction) => {
        (req as WsRequest).isWsHandled = true;
        return handler(req as WsRequest, res, next);
      }),
    );
  }
}

/** What a mia host hands a module, and what the module gives back. */
export interface MiaModuleShape {
  name: string;
  version: string;
  initialize(ctx: unknown): Promise<void>;
  routes?(app: Express): void;
  wsHandlers?(router: HostWebsocketRouter): void;
  dispose?(): Promise<void>;
}

export interface MiaHost {
  port: number;
  bus: HostBus;
  logs: string[];
  /** Loads a module as the host's loader does: initialize, then its HTTP and socket routes. */
  load(module: MiaModuleShape, config: Record<string, unknown>): Promise<void>;
  /** The host's own routes, after the modules': /api/health, /, /api/ws/narrative, 404. */
  addOwnRoutes(): void;
  close(): Promise<void>;
}

/** Starts the host on a free port of 127.0.0.1. */
export async function startMiaHost(): Promise<MiaHost> {
  const app = express();
  const wsApp = express();
  const bus = new HostBus();
  const logs: string[] = [];
  const logger = {
    info: (message: string) => logs.push(`info ${message}`),
    warn: (message: string) => logs.push(`warn ${message}`),
    error: (message: string) => logs.push(`error ${message}`),
  };
  app.use(express.json());
  const server = createServer(app);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.pause();
    const wsReq = Object.assign(req, { ws: socket, head, isWsHandled: false });
    const upgrades = wsApp as unknown as {
      handle(req: IncomingMessage, res: ServerResponse, done: () => void): void;
    };
    upgrades.handle(wsReq, new ServerResponse(req), () => {
      if (!wsReq.isWsHandled) socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const wss = new WebSocketServer({ noServer: true });
  const modules: MiaModuleShape[] = [];
  return {
    port: (server.address() as AddressInfo).port,
    bus,
    logs,
    async load(module, config) {
      const wsRouter = new HostWebsocketRouter();
      await module.initialize({
        app,
        wsRouter,
        config,
        logger,
        bus,
        getModule: (name: string) => modules.find((m) => m.name === name),
      });
      module.routes?.(app);
      module.wsHandlers?.(wsRouter);
      wsApp.use(wsRouter.router);
      modules.push(module);
    },
    addOwnRoutes() {
      app.get('/api/health', (_req, res) => {
        res.json({ status: 'ok', modules: modules.map((m) => m.name) });
      });
      app.get('/', (_req, res) => {
        res.type('html').send('<title>mia workbench</title>');
      });
      app.use((_req, res) => {
        res.status(404).json({ error: 'Not Found (the host)' });
      });
      const narrative = new HostWebsocketRouter();
      narrative.ws('/', (req) => {
        wss.handleUpgrade(req, req.ws, req.head, (ws) => {
          const channels = new Set<string>();
          const isWanted = (event: BusEvent) =>
            channels.size === 0 ||
            event.channel === undefined ||
            channels.has(event.channel) ||
            [...channels].some(
              (c) => c.endsWith(':*') && event.channel?.startsWith(c.slice(0, -1)),
            );
          const stop = bus.onEvent((event) => {
            if (isWanted(event)) ws.send(JSON.stringify(event));
          });
          ws.on('message', (data) => {
            const message = JSON.parse(String(data)) as {
              type: string;
              channel?: string;
              since?: string;
            };
            if (message.type === 'auth') ws.send(JSON.stringify({ type: 'auth', status: 'ok' }));
            if (message.type === 'subscribe' && message.channel) channels.add(message.channel);
            if (message.type === 'replay') {
              const from = bus.recent.findIndex((event) => event.id === message.since);
              for (const event of bus.recent.slice(from + 1)) ws.send(JSON.stringify(event));
            }
          });
          ws.on('close', stop);
          req.ws.resume();
        });
      });
      wsApp.use('/api/ws/narrative', narrative.router);
    },
    async close() {
      for (const module of modules.splice(0)) await module.dispose?.();
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
