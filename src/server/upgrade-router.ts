// Routes the HTTP `upgrade` events of a node:http server (Express's included) to WebSocket
// handlers by path: the router a mia server module registers its sockets on.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { getRequestUrl } from './auth.js';

/** Takes one HTTP upgrade (it must answer it: accept, or write an HTTP error and close). */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** What `wsHandlers(router)` of a mia module needs: a place to register a path's socket. */
export interface WsRouter {
  /** Sends every upgrade whose path (query aside) is exactly `path` to `handler`. */
  register(path: string, handler: UpgradeHandler): void;
}

/** A WsRouter that is also the `upgrade` listener: `server.on('upgrade', router.handleUpgrade)`. */
export interface UpgradeRouter extends WsRouter {
  /** Dispatches an upgrade by path; an unregistered path is answered 404 and closed. */
  readonly handleUpgrade: UpgradeHandler;
}

/** A router for the upgrades of one server. */
export function createUpgradeRouter(): UpgradeRouter {
  const handlers = new Map<string, UpgradeHandler>();
  return {
    register(path, handler) {
      if (handlers.has(path))
        throw new Error(`A WebSocket handler is already registered for ${path}.`);
      handlers.set(path, handler);
    },
    handleUpgrade(request, socket, head) {
      const handler = handlers.get(getRequestUrl(request).pathname);
      if (handler) {
        handler(request, socket, head);
        return;
      }
      socket.on('error', () => socket.destroy());
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    },
  };
}
