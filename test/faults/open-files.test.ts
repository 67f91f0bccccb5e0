// A dashboard short of open files (a low `ulimit -n`, as on macOS by default) in a workspace of
// hundreds of runs: it reads a few logs at a time, so every run is listed, none left out.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { MIA_BIN } from '../helpers/cli.js';
import { RunEvents } from '../helpers/run-events.js';
import { request } from '../server/helpers.js';
import { createFaultWorkspace, waitUntil } from './helpers.js';

const RUNS = 300;
/** Open files the dashboard's process may hold: far fewer than the runs. */
const OPEN_FILES = 48;
const TOKEN = 'a-token-for-the-open-files-test';

describe('a dashboard short of open files', () => {
  it(`lists all ${RUNS} runs of a workspace in a process allowed ${OPEN_FILES} open files`, async () => {
    const workspace = await createFaultWorkspace();
    for (let n = 0; n < RUNS; n += 1) {
      const runId = `run-${String(n).padStart(3, '0')}`;
      const run = new RunEvents(runId).start(['a:']).add('workflow.completed', { durationMs: 1 });
      await mkdir(join(workspace, '.mia/runs', runId), { recursive: true });
      const lines = run.events.map((event) => `${JSON.stringify(event)}\n`).join('');
      await writeFile(join(workspace, '.mia/runs', runId, 'events.jsonl'), lines);
    }
    const command = `ulimit -n ${OPEN_FILES} && exec "$0" "$1" dashboard --port 0 -C "$2"`;
    const dashboard = execa('sh', ['-c', command, process.execPath, MIA_BIN, workspace], {
      env: { MIA_DASHBOARD_TOKEN: TOKEN, NO_COLOR: '1' },
      reject: false,
    });
    try {
      let output = '';
      dashboard.stdout?.on('data', (chunk: Buffer) => {
        output += String(chunk);
      });
      const isListening = await waitUntil(() => /127\.0\.0\.1:(\d+)/.test(output), 20_000);
      expect(isListening, output).toBe(true);
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
      const runs = await request(port, '/api/workflow/runs', { token: TOKEN });
      expect(runs.status).toBe(200);
      expect((runs.json as unknown[]).length).toBe(RUNS);
    } finally {
      dashboard.kill('SIGTERM');
      await dashboard;
    }
  });
});
