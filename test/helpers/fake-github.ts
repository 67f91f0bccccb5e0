// A local stand-in for the GitHub API: records every request and answers from a routing table.

import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
}

/** One answer: a status, a JSON body and extra headers. */
export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeGitHub {
  /** `http://127.0.0.1:<port>`, for GITHUB_API_URL. */
  url: string;
  requests: RecordedRequest[];
  /**
   * Answers `method path` with the responses in turn; the last one repeats (polling).
   * Unrouted requests get GitHub's 404.
   */
  route(method: string, path: string, ...responses: FakeResponse[]): void;
  /** Forgets the routes and the recorded requests. */
  reset(): void;
  /** An environment pointing octokit at this server, with a token. */
  env(token?: string): Record<string, string>;
  close(): Promise<void>;
}

/** Starts a fake GitHub API on 127.0.0.1 and a free port. */
export async function startFakeGitHub(): Promise<FakeGitHub> {
  const routes = new Map<string, FakeResponse[]>();
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const text = Buffer.concat(chunks).toString('utf8');
      const method = request.method ?? 'GET';
      requests.push({
        method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: request.headers,
        body: text === '' ? undefined : JSON.parse(text),
      });
      const queue = routes.get(`${method} ${url.pathname}`);
      const answer = (queue && queue.length > 1 ? queue.shift() : queue?.[0]) ?? {
        status: 404,
        body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
      };
      const body = answer.status === 204 ? '' : JSON.stringify(answer.body ?? {});
      response.writeHead(answer.status, {
        'content-type': 'application/json; charset=utf-8',
        ...answer.headers,
      });
      response.end(body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    route(method, path, ...responses) {
      routes.set(`${method.toUpperCase()} ${path}`, responses);
    },
    reset() {
      routes.clear();
      requests.length = 0;
    },
    env: (token = 'test-token') => ({ GITHUB_API_URL: url, GITHUB_TOKEN: token }),
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** The process environment without any GitHub token or API URL, plus `extra` (local-mode tests). */
export function createEnvWithoutGitHub(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !['GITHUB_TOKEN', 'GH_TOKEN', 'GITHUB_API_URL'].includes(key)) {
      env[key] = value;
    }
  }
  return { ...env, ...extra };
}
