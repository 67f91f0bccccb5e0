// Serves the dashboard page: `/` is dist/dashboard/index.html, `/assets/<file>` the files of that
// folder (never anything outside it).

import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiFailure, setCommonHeaders } from './http.js';

/** The built page: the package root is two levels above this module (src/server or dist/server). */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Answers a page route: `[]` (the page) or `['assets', …]`. A segment that could leave the folder
 * (`..`, `.x`, a `/`, `\` or NUL inside) is a 400; a missing file a 404; a missing page a 503.
 */
export async function servePage(
  res: ServerResponse,
  segments: readonly string[],
  isHead: boolean,
  dir: string = DASHBOARD_DIR,
): Promise<void> {
  const index = join(dir, 'index.html');
  if (segments.length === 0) {
    if (!(await isFile(index))) {
      setCommonHeaders(res);
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(
        `The dashboard page is not built (no ${index}).\nRun \`npm run build\` in the mia-workflow package, then reload.\n`,
      );
      return;
    }
    return sendFile(res, index, isHead);
  }
  const parts = segments.slice(1);
  if (parts.length === 0 || !parts.every(isSafeSegment)) {
    throw new ApiFailure(400, 'MIA_SERVER_BAD_PATH', 'That is not a file of the dashboard page.');
  }
  const path = join(dir, ...parts);
  if (!(await isFile(path))) {
    throw new ApiFailure(404, 'MIA_SERVER_NOT_FOUND', `No file /${segments.join('/')}.`);
  }
  return sendFile(res, path, isHead);
}

async function sendFile(res: ServerResponse, path: string, isHead: boolean): Promise<void> {
  const body = await readFile(path);
  setCommonHeaders(res);
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': body.length,
    'Content-Security-Policy': "frame-ancestors 'none'",
  });
  res.end(isHead ? undefined : body);
}

function isSafeSegment(segment: string): boolean {
  return segment !== '' && !segment.startsWith('.') && !/[/\\\0:]/.test(segment);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
