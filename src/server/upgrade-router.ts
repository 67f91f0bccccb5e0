// The WebSocket routes of a server, shaped like the mia host's `WebsocketRouter`: on `upgrade` the
// socket is paused and set on the request (`req.ws`, `req.head`), and the handler of the request's
// path takes it from there (it upgrades it and must resume it).

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** An upgrade request as the mia host hands it to a socket route: its paused socket and head. */
export interface WebsocketRequest extends IncomingMessage {
  ws: Duplex;
  head: Buffer;
}

/** A socket route's handler (the mia host also passes an Express response and `next`). */
export type WebsocketHandler = (
  request: WebsocketRequest,
  response?: unknown,
  next?: (error?: unknown) => void,
) => unknown;

/** What `wsHandlers(router)` of a mia module gets: the mia host's `WebsocketRouter` has it. */
export interface WebsocketRouter {
  /** Routes upgrades whose path is `path` to the handlers (each may pass on with `next()`). */
  ws(path: string, ...handlers: WebsocketHandler[]): void;
}

/** A WebsocketRouter that is also the server's `upgrade` listener. */
export interface UpgradeRouter extends WebsocketRouter {
  /** `server.on('upgrade', router.handleUpgrade)`: a path without a route is answered 404. */
  readonly handleUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

/** A router for the upgrades of one server. */
export function createUpgradeRouter(): UpgradeRouter {
  const routes = new Map<string, WebsocketHandler[]>();
  return {
    ws(path, ...handlers) {
      routes.set(path, [...(routes.get(path) ?? []), ...handlers]);
    },
    handleUpgrade(request, socket, head) {
      socket.pause();
      socket.on('error', () => socket.destroy());
      const wsRequest = Object.assign(request, { ws: socket, head });
      // The path as sent, never normalised (as the module's HTTP routes take it).
      const handlers = routes.get((request.url ?? '/').split('?')[0] ?? '/') ?? [];
      const notFound = () =>
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      const run = (index: number) => {
        const handler = handlers[index];
        if (!handler) return notFound();
        try {
          handler(wsRequest, undefined, (error) => (error ? socket.destroy() : run(index + 1)));
        } catch {
          socket.destroy();
        }
      };
      run(0);
    },
  };
}
