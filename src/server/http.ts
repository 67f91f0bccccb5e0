// Small HTTP plumbing of the API: JSON answers and errors, request paths split into checked
// segments, and JSON request bodies with a size limit.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { MiaError, serializeError } from '../errors.js';
import type { ApiError } from './protocol.js';

/** Largest request body the API reads. */
const MAX_BODY_BYTES = 16 * 1024;

/** An error answered with its own HTTP status. */
export class ApiFailure extends MiaError {
  readonly status: number;
  /** The definition's problems (`file:line:col: message`), for a 422. */
  problems: string[] | undefined;

  constructor(status: number, code: string, message: string, hint?: string) {
    super(code, message, hint === undefined ? {} : { hint });
    this.status = status;
  }
}

/** Headers every answer carries: never cached, never framed, never sniffed, no referrer. */
export function setCommonHeaders(res: ServerResponse): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

/** Answers with a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  setCommonHeaders(res);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** Answers with an ApiError body. */
export function sendError(
  res: ServerResponse,
  status: number,
  error: { message: string; code: string; hint?: string | undefined; problems?: string[] },
): void {
  const body: ApiError = {
    error: {
      message: error.message,
      code: error.code,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      ...(error.problems === undefined ? {} : { problems: error.problems }),
    },
  };
  sendJson(res, status, body);
}

/** Answers any thrown value: its own status for ApiFailure, 404/400 for known store errors. */
export function sendFailure(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const serialized = serializeError(error);
  sendError(res, getStatus(error), {
    message: serialized.message,
    code: serialized.code ?? 'MIA_SERVER_INTERNAL',
    hint: serialized.hint,
    ...(error instanceof ApiFailure && error.problems ? { problems: error.problems } : {}),
  });
}

function getStatus(error: unknown): number {
  if (error instanceof ApiFailure) return error.status;
  if (!(error instanceof MiaError)) return 500;
  switch (error.code) {
    case 'MIA_STORE_RUN_NOT_FOUND':
    case 'MIA_DEFINITION_NOT_FOUND':
      return 404;
    case 'MIA_STORE_BAD_RUN_ID':
    case 'MIA_STORE_BAD_STEP_ID':
      return 400;
    case 'MIA_STORE_NOT_A_LOG':
      return 403;
    default:
      return 500;
  }
}

/**
 * The path of a request as decoded segments, never normalised: `/api/workflow/runs/..%2Fx` gives
 * `['api', 'workflow', 'runs', '../x']`, which the id checks then refuse. Bad percent-encoding is a 400.
 */
export function getPathSegments(request: IncomingMessage): string[] {
  const raw = (request.url ?? '/').split('?')[0] ?? '/';
  const parts = raw.split('/').slice(1);
  if (parts.at(-1) === '') parts.pop();
  try {
    return parts.map((part) => decodeURIComponent(part));
  } catch {
    throw new ApiFailure(
      400,
      'MIA_SERVER_BAD_PATH',
      `The path ${JSON.stringify(raw)} is not valid.`,
    );
  }
}

/** The JSON body of a request (`{}` when empty); a body parsed already (Express) is used as is. */
export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const parsed = (request as IncomingMessage & { body?: unknown }).body;
  if (parsed !== undefined && request.readableEnded) return parsed;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new ApiFailure(
        413,
        'MIA_SERVER_BODY_TOO_LARGE',
        `The body is over ${MAX_BODY_BYTES} bytes.`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiFailure(
      400,
      'MIA_SERVER_BAD_BODY',
      'The body is not JSON.',
      'Send a JSON object.',
    );
  }
}
