// The HTTP API and the page: token, Host and Origin on every call, JSON answers and errors,
// ids checked against path traversal, and the static page served from its folder only.

import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail, RunListItem } from '../../src/server/protocol.js';
import type { DashboardServer } from '../../src/server/standalone.js';
import { DASHBOARD_DIR } from '../../src/server/static.js';
import { createWorkspace, runMia } from '../helpers/cli.js';
import { parseRunId } from '../helpers/run-files.js';
import { request, startTestServer } from './helpers.js';

const DIAMOND = `name: diamond
narrative: "Four steps meet at the end"
steps:
  - { id: root, action: shell, with: { run: "echo root" } }
  - { id: left, action: shell, depends_on: [root], with: { run: "echo left" } }
  - { id: right, action: shell, depends_on: [root], with: { run: "exit 4" } }
  - { id: join, action: shell, depends_on: [left, right], with: { run: "echo join" } }
`;

let workspace: string;
let runId: string;
let page: string;
let server: DashboardServer | undefined;

beforeAll(async () => {
  workspace = await createWorkspace({ diamond: DIAMOND });
  const result = await runMia(['workflow', 'run', 'diamond'], { cwd: workspace });
  expect(result.exitCode, result.stderr).toBe(1);
  runId = parseRunId(result.stdout);
  page = await mkdtemp(join(tmpdir(), 'mia-page-'));
  await writeFile(join(page, 'index.html'), '<!doctype html><title>mia</title>');
  await writeFile(join(page, 'app.js'), 'export {};');
  await writeFile(join(page, 'style.css'), 'body {}');
  await mkdir(join(page, 'icons'));
  await writeFile(join(page, 'icons', 'mark.svg'), '<svg/>');
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(dashboardDir = page) {
  const started = await startTestServer({ workspace, dashboardDir });
  server = started.server;
  return started;
}

describe('HTTP API', () => {
  it('refuses every API call without the token, or with a wrong one, with 401 JSON', async () => {
    const { port } = await start();
    for (const path of [
      '/api/workflow/runs',
      '/api/workflow/workflows',
      `/api/workflow/runs/${runId}`,
    ]) {
      const answer = await request(port, path);
      expect(answer.status).toBe(401);
      expect(answer.json).toMatchObject({ error: { code: 'MIA_SERVER_TOKEN' } });
    }
    expect((await request(port, '/api/workflow/runs', { token: 'wrong' })).status).toBe(401);
    expect((await request(port, '/api/workflow/runs?token=wrong')).status).toBe(401);
    const post = await request(port, `/api/workflow/runs/${runId}/resume`, { method: 'POST' });
    expect(post.status).toBe(401);
  });

  it('takes the token as a bearer or in ?token=', async () => {
    const { port, token } = await start();
    expect((await request(port, '/api/workflow/runs', { token })).status).toBe(200);
    expect((await request(port, `/api/workflow/runs?token=${token}`)).status).toBe(200);
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin, even with the token', async () => {
    const { port, token } = await start();
    const evilHost = await request(port, '/api/workflow/runs', {
      token,
      headers: { Host: `evil.example:${port}` },
    });
    expect(evilHost.status).toBe(403);
    expect(evilHost.json).toMatchObject({ error: { code: 'MIA_SERVER_BAD_HOST' } });
    for (const path of ['/', '/workflow/']) {
      const answer = await request(port, path, { headers: { Host: `evil.example:${port}` } });
      expect(answer.status, path).toBe(403);
    }
    for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1.evil.com']) {
      const answer = await request(port, '/api/workflow/runs', {
        token,
        headers: { Origin: origin },
      });
      expect(answer.status).toBe(403);
      expect(answer.json).toMatchObject({ error: { code: 'MIA_SERVER_BAD_ORIGIN' } });
    }
    const own = await request(port, '/api/workflow/runs', {
      token,
      headers: { Origin: `http://127.0.0.1:${port}` },
    });
    expect(own.status).toBe(200);
  });

  it('lists the workflows: templates and the workspace ones', async () => {
    const { port, token } = await start();
    const answer = await request(port, '/api/workflow/workflows', { token });
    const names = (answer.json as Array<{ name: string; kind: string }>).map((w) => w.name);
    expect(names).toContain('diamond');
    expect(names).toContain('hello-world');
  });

  it('lists the runs and shows one with its steps, levels, critical path and reality', async () => {
    const { port, token } = await start();
    const list = (await request(port, '/api/workflow/runs', { token })).json as RunListItem[];
    expect(list).toEqual([
      expect.objectContaining({
        runId,
        workflow: 'diamond',
        narrative: 'Four steps meet at the end',
        status: 'failed',
        completed: 2,
        total: 4,
        parent: null,
      }),
    ]);
    const answer = await request(port, `/api/workflow/runs/${runId}`, { token });
    expect(answer.headers['cache-control']).toBe('no-store');
    const detail = answer.json as RunDetail;
    expect(detail.levels).toEqual([['root'], ['left', 'right'], ['join']]);
    expect(detail.criticalPath).toEqual(['root', 'left', 'join']);
    expect(detail.steps.map((s) => [s.id, s.status])).toEqual([
      ['root', 'completed'],
      ['left', 'completed'],
      ['right', 'failed'],
      ['join', 'skipped'],
    ]);
    expect(detail.steps[2]?.error?.message).toMatch(/4/);
    expect(detail.steps[0]?.logPath).toBe(join('.mia/runs', runId, 'logs/root.log'));
    expect(detail.reality).toMatch(/2 of 4 steps complete; tension at right/);
    expect(detail.lastSeq).toBeGreaterThan(5);
  });

  it('tells the story as Markdown', async () => {
    const { port, token } = await start();
    const answer = await request(port, `/api/workflow/runs/${runId}/story`, { token });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(answer.text).toContain('# diamond: Four steps meet at the end');
  });

  it('answers 404 for unknown routes and runs, 405 for a wrong method, 400 for traversal', async () => {
    const { port, token } = await start();
    const unknown = await request(port, '/api/workflow/nothing', { token });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ error: { code: 'MIA_SERVER_NOT_FOUND' } });
    expect((await request(port, '/elsewhere', { token })).status).toBe(404);
    const missing = await request(port, '/api/workflow/runs/20990101-000000-ffffff', { token });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error: { code: 'MIA_STORE_RUN_NOT_FOUND' } });
    expect((await request(port, '/api/workflow/runs', { token, method: 'POST' })).status).toBe(405);
    for (const path of [
      '/api/workflow/runs/..%2F..%2Fetc',
      '/api/workflow/runs/..',
      '/api/workflow/runs/%2e%2e/story',
      '/api/workflow/runs/a%00b',
      `/api/workflow/runs/${runId}/steps/..%2Fx/approve`,
      '/api/workflow/runs/%E0%A4%A',
    ]) {
      const method = path.endsWith('approve') ? 'POST' : 'GET';
      const answer = await request(port, path, { token, method });
      expect(answer.status, path).toBe(400);
      expect((answer.json as { error: { message: string } }).error.message).toBeTruthy();
    }
  });
});

describe('the first contract paths (mia dashboard only)', () => {
  it('answers /api/runs… and /api/workflows as the /api/workflow/ paths they stand for', async () => {
    const { port, token } = await start();
    const runs = await request(port, '/api/runs', { token });
    expect(runs.json).toEqual((await request(port, '/api/workflow/runs', { token })).json);
    const story = await request(port, `/api/runs/${runId}/story?token=${token}`);
    expect(story.text).toContain('# diamond: Four steps meet at the end');
    const workflows = await request(port, '/api/workflows', { token });
    expect(workflows.status).toBe(200);
    expect((await request(port, '/api/runs')).status).toBe(401);
    expect((await request(port, '/api/runsx', { token })).status).toBe(404);
  });
});

describe('the page', () => {
  it('serves /workflow/ and /workflow/assets/* with their content types and no caching, without the token', async () => {
    const { port } = await start();
    const index = await request(port, '/workflow/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-store');
    expect(index.text).toContain('<title>mia</title>');
    const types = {
      '/workflow/assets/app.js': 'text/javascript; charset=utf-8',
      '/workflow/assets/style.css': 'text/css; charset=utf-8',
      '/workflow/assets/icons/mark.svg': 'image/svg+xml',
    };
    for (const [path, type] of Object.entries(types)) {
      const answer = await request(port, path);
      expect(answer.status, path).toBe(200);
      expect(answer.headers['content-type']).toBe(type);
      expect(answer.headers['cache-control']).toBe('no-store');
    }
  });

  it('never serves a file outside its folder', async () => {
    const { port } = await start();
    for (const path of [
      '/workflow/assets/..%2F..%2Fpackage.json',
      '/workflow/assets/..',
      '/workflow/assets/%2e%2e/%2e%2e/package.json',
      '/workflow/assets/.hidden',
      '/workflow/assets/a%5C..%5Cb',
      '/workflow/assets/',
    ]) {
      expect((await request(port, path)).status, path).toBe(400);
    }
    expect((await request(port, '/workflow/assets/missing.js')).status).toBe(404);
    expect((await request(port, '/workflow/assets/index.html', { method: 'POST' })).status).toBe(
      405,
    );
  });

  it('answers 503 saying to build when the page is missing', async () => {
    const { port } = await start(join(page, 'nothing-here'));
    const answer = await request(port, '/workflow/');
    expect(answer.status).toBe(503);
    expect(answer.text).toMatch(/npm run build/);
  });

  it('sends / (mia dashboard) and /workflow to /workflow/, keeping the query that holds the token', async () => {
    const { port, token } = await start();
    const root = await request(port, `/?token=${token}`);
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe(`/workflow/?token=${token}`);
    const bare = await request(port, '/workflow');
    expect(bare.status).toBe(302);
    // Relative: a host behind a proxy's path prefix keeps it.
    expect(bare.headers.location).toBe('workflow/');
    const other = await request(port, '/workflow/elsewhere');
    expect(other.status).toBe(404);
    expect(other.json).toMatchObject({ error: { message: expect.stringContaining('/workflow/') } });
  });

  it('looks for the page in dist/dashboard of the package', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    expect(DASHBOARD_DIR).toBe(join(root, 'dist/dashboard/'));
  });
});
