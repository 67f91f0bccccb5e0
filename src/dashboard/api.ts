// The HTTP API of the dashboard server, called with the token as a bearer.

import type {
  ApiError,
  ApprovalGiven,
  ApproveRequest,
  ResumeStarted,
  RunDetail,
  RunListItem,
  StepLogChunk,
} from '../server/protocol.js';

/** An HTTP API call that did not succeed, with the server's message and hint when it gave one. */
export class ApiRequestError extends Error {
  readonly status: number;
  readonly code: string;
  readonly hint: string | undefined;

  constructor(status: number, message: string, code: string, hint?: string) {
    super(message);
    this.name = 'ApiRequestError';
    this.status = status;
    this.code = code;
    this.hint = hint;
  }

  /** The server does not accept the token. */
  get isUnauthorized(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** The calls the page makes. */
export interface DashboardApi {
  listRuns(): Promise<RunListItem[]>;
  getRun(runId: string): Promise<RunDetail>;
  resumeRun(runId: string): Promise<ResumeStarted>;
  answerGate(runId: string, stepId: string, answer: ApproveRequest): Promise<ApprovalGiven>;
  /** A chunk of a step's log file from byte `offset`, of at most `limit` bytes. */
  readStepLog(runId: string, stepId: string, offset: number, limit: number): Promise<StepLogChunk>;
}

async function readError(response: Response): Promise<ApiRequestError> {
  let body: Partial<ApiError> | null = null;
  try {
    body = (await response.json()) as Partial<ApiError>;
  } catch {
    body = null;
  }
  const error = body?.error;
  return new ApiRequestError(
    response.status,
    error?.message ?? `${response.status} ${response.statusText}`,
    error?.code ?? `HTTP_${response.status}`,
    error?.hint,
  );
}

/** The API's root, beside the page's own folder (`/workflow/` → `/api/workflow/`). */
const API_ROOT = new URL('../api/workflow/', window.location.href).pathname;

/** Creates the API client; with a token, every call carries `Authorization: Bearer <token>`. */
export function createApi(token: string | null): DashboardApi {
  const request = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
      cache: 'no-store',
    });
    if (!response.ok) throw await readError(response);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const runPath = (runId: string) => `${API_ROOT}runs/${encodeURIComponent(runId)}`;
  return {
    listRuns: () => request<RunListItem[]>('GET', `${API_ROOT}runs`),
    getRun: (runId) => request<RunDetail>('GET', runPath(runId)),
    resumeRun: (runId) => request<ResumeStarted>('POST', `${runPath(runId)}/resume`, {}),
    answerGate: (runId, stepId, answer) =>
      request<ApprovalGiven>(
        'POST',
        `${runPath(runId)}/steps/${encodeURIComponent(stepId)}/approve`,
        answer,
      ),
    readStepLog: (runId, stepId, offset, limit) =>
      request<StepLogChunk>(
        'GET',
        `${runPath(runId)}/steps/${encodeURIComponent(stepId)}/log?offset=${offset}&limit=${limit}`,
      ),
  };
}
