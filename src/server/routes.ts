// The HTTP API of the module (contract section 7) under /api/workflow/ and its page under
// /workflow/, as ONE connect/Express-style handler that leaves every other path to the host.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { listWorkflows } from '../definition/lookup.js';
import { renderStory } from '../narrative/story.js';
import { loadRun } from '../store/load-run.js';
import { getRunDir } from '../store/paths.js';
import {
  type AccessPolicy,
  checkAccess,
  getRequestToken,
  getRequestUrl,
  isTokenValid,
  WRONG_TOKEN,
} from './auth.js';
import {
  ApiFailure,
  getPathSegments,
  readJsonBody,
  sendError,
  sendFailure,
  sendJson,
  setCommonHeaders,
} from './http.js';
import { API_PREFIX, MODULE_WS_PATH, PAGE_PATH } from './protocol.js';
import { approveFromDashboard, resumeFromDashboard } from './run-actions.js';
import { listRunItems, toRunDetail } from './run-views.js';
import { servePage } from './static.js';
import { readStepLog } from './step-log-view.js';

/** A connect/Express-style middleware; without `next`, unknown paths are answered 404. */
export type RequestHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

export interface ApiOptions {
  workspace: string;
  token: string;
  access: AccessPolicy;
  /** The built page's folder (default: dist/dashboard of this package). */
  dashboardDir?: string;
}

type Route = (request: IncomingMessage, params: string[]) => Promise<Answer>;
type Answer = { status: number; body: unknown } | { status: number; markdown: string };

/**
 * The module's HTTP handler: `/api/workflow/*` and `/workflow/*` (GET routes are reads, the others
 * acts, each with the token the policy asks for); anything else goes to `next`.
 */
export function createApiHandler(options: ApiOptions): RequestHandler {
  const { workspace, access } = options;
  const routes: Array<[method: string, pattern: string[], route: Route]> = [
    ['GET', ['workflows'], async () => ok(await listWorkflows(workspace))],
    ['GET', ['runs'], async () => ok(await listRunItems(workspace))],
    ['GET', ['runs', ':id'], async (_, [id]) => ok(await toRunDetail(await load(id), workspace))],
    [
      'GET',
      ['runs', ':id', 'story'],
      async (_, [id]) => {
        const run = await load(id);
        return { status: 200, markdown: renderStory(run.events, workspace, run.isLive) };
      },
    ],
    [
      'GET',
      ['runs', ':id', 'steps', ':step', 'log'],
      async (request, [id, step]) =>
        ok(
          await readStepLog(
            workspace,
            checkRunId(id),
            step ?? '',
            getRequestUrl(request).searchParams,
          ),
        ),
    ],
    [
      'POST',
      ['runs', ':id', 'resume'],
      async (request, [id]) => {
        const yes = getRequestUrl(request).searchParams.get('yes');
        const started = await resumeFromDashboard(workspace, checkRunId(id), {
          yes: yes === '1' || yes === 'true',
        });
        return { status: 202, body: started };
      },
    ],
    [
      'POST',
      ['runs', ':id', 'steps', ':step', 'approve'],
      async (request, [id, step]) =>
        ok(
          await approveFromDashboard(
            workspace,
            checkRunId(id),
            step ?? '',
            await readJsonBody(request),
          ),
        ),
    ],
  ];
  const load = (id: string | undefined) => loadRun(workspace, checkRunId(id));

  const handle = async (request: IncomingMessage, response: ServerResponse, next?: () => void) => {
    const segments = getPathSegments(request);
    const isPage = `/${segments[0]}/` === PAGE_PATH;
    if (!isModulePath(request)) {
      if (next) return next();
      throw new ApiFailure(
        404,
        'MIA_SERVER_NOT_FOUND',
        `No route ${request.method} /${segments.join('/')}.`,
      );
    }
    const refusal = checkAccess(request, access);
    if (refusal) return sendError(response, refusal.status, refusal);
    const method = request.method ?? 'GET';
    if (isPage) return answerPage(request, response, segments.slice(1), options.dashboardDir);
    const isRead = method === 'GET' || method === 'HEAD';
    const isTokenNeeded = isRead ? access.isTokenNeededToRead : access.isTokenNeededToAct;
    if (isTokenNeeded && !isTokenValid(options.token, getRequestToken(request))) {
      response.setHeader('WWW-Authenticate', 'Bearer realm="mia-workflow"');
      return sendError(response, WRONG_TOKEN.status, WRONG_TOKEN);
    }
    const path = segments.slice(2);
    if (`/${segments.join('/')}` === MODULE_WS_PATH) {
      throw new ApiFailure(
        426,
        'MIA_SERVER_UPGRADE',
        'This is the WebSocket endpoint: connect with a WebSocket.',
      );
    }
    const matching = routes.filter(([, pattern]) => matchPattern(pattern, path) !== undefined);
    const found = matching.find(([routeMethod]) => routeMethod === method);
    if (!found) {
      if (matching.length > 0)
        throw methodNotAllowed(
          response,
          matching.map(([m]) => m),
        );
      throw new ApiFailure(
        404,
        'MIA_SERVER_NOT_FOUND',
        `No API route ${method} /${segments.join('/')}.`,
        `Routes: ${routes.map(([m, pattern]) => `${m} ${API_PREFIX}/${pattern.join('/')}`).join(', ')}.`,
      );
    }
    const answer = await found[2](request, matchPattern(found[1], path) ?? []);
    if ('body' in answer) return sendJson(response, answer.status, answer.body);
    setCommonHeaders(response);
    response.writeHead(answer.status, { 'Content-Type': 'text/markdown; charset=utf-8' });
    response.end(answer.markdown);
  };

  return (request, response, next) => {
    handle(request, response, next ? () => next() : undefined).catch((error: unknown) =>
      sendFailure(response, error),
    );
  };
}

/**
 * The page: `/workflow` is sent to `/workflow/` (its files are relative to it), `/workflow/` is the
 * page, `/workflow/assets/*` its files.
 */
function answerPage(
  request: IncomingMessage,
  response: ServerResponse,
  segments: string[],
  dashboardDir: string | undefined,
): Promise<void> | void {
  const method = request.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed(response, ['GET', 'HEAD']);
  const url = getRequestUrl(request);
  if (segments.length === 0 && !url.pathname.endsWith('/')) {
    return redirect(response, `${PAGE_NAME}/${url.search}`);
  }
  if (segments.length > 0 && segments[0] !== 'assets') {
    throw new ApiFailure(
      404,
      'MIA_SERVER_NOT_FOUND',
      `No page /workflow/${segments.join('/')}; the dashboard is ${PAGE_PATH}.`,
    );
  }
  return servePage(response, segments, method === 'HEAD', dashboardDir);
}

/** The page's folder name: `/workflow` is sent to it relatively, which holds under a path prefix. */
const PAGE_NAME = PAGE_PATH.slice(1, -1);

/** Answers a redirect (302); a relative `location` is resolved against the request's path. */
export function redirect(response: ServerResponse, location: string): void {
  setCommonHeaders(response);
  response.writeHead(302, { Location: location, 'Content-Length': 0 });
  response.end();
}

/**
 * True for the paths the module answers: `/api/workflow`, `/workflow` and what is below them, as
 * sent (never normalised: `/workflow/assets/%2e%2e/x` is the module's, and refused by it).
 */
export function isModulePath(request: IncomingMessage): boolean {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  return [API_PREFIX, PAGE_PATH.slice(0, -1)].some(
    (prefix) => path === prefix || path.startsWith(`${prefix}/`),
  );
}

function ok(body: unknown): Answer {
  return { status: 200, body };
}

/** The parameters of `path` for a pattern (`:name` segments), or undefined when it does not match. */
function matchPattern(pattern: readonly string[], path: readonly string[]): string[] | undefined {
  if (pattern.length !== path.length) return undefined;
  const params: string[] = [];
  for (const [index, part] of pattern.entries()) {
    const actual = path[index] ?? '';
    if (part.startsWith(':')) params.push(actual);
    else if (part !== actual) return undefined;
  }
  return params;
}

/** A run id from the path, refused with 400 when it could name anything but a run folder. */
function checkRunId(id: string | undefined): string {
  try {
    getRunDir('/', id ?? '');
  } catch (error) {
    throw new ApiFailure(400, 'MIA_STORE_BAD_RUN_ID', (error as Error).message);
  }
  return id ?? '';
}

function methodNotAllowed(response: ServerResponse, allowed: string[]): ApiFailure {
  response.setHeader('Allow', allowed.join(', '));
  return new ApiFailure(405, 'MIA_SERVER_METHOD', `Use ${allowed.join(' or ')} here.`);
}
