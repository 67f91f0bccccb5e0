// One step prints 1 GiB: events.jsonl stays about 1 MiB, the step's log file has every byte, and
// status, story, resume and the dashboard (run detail, socket replay, the log read from near its
// end) all work in a JavaScript heap of 48 MB (node --max-old-space-size=48).

import { spawnSync } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import type { RunDetail, StepLogChunk } from '../../src/server/protocol.js';
import { MIA_BIN } from '../helpers/cli.js';
import { request, TestClient } from '../server/helpers.js';
import { createFaultWorkspace, eventsPathOf, readEventLog } from './helpers.js';

/** The heap every command gets here, as the README states. */
const HEAP_MB = 48;
const GIB = 1024 * 1024 * 1024;
const MIB = 1024 * 1024;
const LAST_LINE = 'THE-LAST-LINE\n';

/**
 * 1 GiB of 128-byte lines (yes(1) and head(1): fast), then a last line; then a step that fails.
 * yes(1) dies of SIGPIPE when head(1) has enough: `|| true` keeps pipefail from failing the step.
 */
const FLOOD = `name: flood
narrative: "A step says far too much"
steps:
  - id: flood
    action: shell
    with: { run: "(yes ${'x'.repeat(127)} || true) | head -c ${GIB}; printf '${LAST_LINE.trim()}\\\\n'" }
  - id: after
    action: shell
    depends_on: [flood]
    with: { run: "[ -e fixed ]" }
`;

/** `mia <args>` under the stated heap bound. */
function runSmall(args: string[], cwd: string) {
  return execa(process.execPath, [`--max-old-space-size=${HEAP_MB}`, MIA_BIN, ...args], {
    cwd,
    env: { NO_COLOR: '1' },
    reject: false,
    stdin: 'ignore',
  });
}

describe('a step that prints 1 GiB', () => {
  it('keeps the run small and readable: status, story, resume and the dashboard work in a 48 MB heap', async () => {
    const cwd = await createFaultWorkspace({ flood: FLOOD });
    const run = await runSmall(['workflow', 'run', 'flood'], cwd);
    expect(run.exitCode, run.stderr).toBe(1);
    const runId = /^run (\S+)$/m.exec(run.stdout)?.[1] ?? '';

    // The log file has every byte; the events hold at most 1 MiB of the step's output.
    const logPath = join(cwd, '.mia/runs', runId, 'logs/flood.log');
    const size = GIB + LAST_LINE.length;
    expect((await stat(logPath)).size).toBe(size);
    const lines = spawnSync('wc', ['-l', logPath], { encoding: 'utf8' }).stdout;
    expect(Number.parseInt(lines, 10)).toBe(GIB / 128 + 1);
    expect((await stat(eventsPathOf(cwd, runId))).size).toBeLessThan(1.2 * MIB);
    const events = await readEventLog(cwd, runId);
    const logged = events.flatMap((event) =>
      event.type === 'workflow.step.log' && event.payload.stepId === 'flood' ? [event] : [],
    );
    const carried = logged.map((event) => event.payload.text).join('');
    expect(Buffer.byteLength(carried)).toBeLessThanOrEqual(MIB);
    expect(carried.startsWith(`${'x'.repeat(127)}\n`)).toBe(true);
    const end = logged.at(-1)?.payload.truncated;
    expect(end?.logPath).toBe(logPath);
    expect((end?.logOffset ?? 0) + (end?.omittedBytes ?? 0)).toBe(size);

    // status and story read the run in the small heap, and say what happened.
    const status = await runSmall(['workflow', 'status', runId], cwd);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/completed +flood/);
    expect(status.stdout).toMatch(/failed +after/);
    const json = await runSmall(['workflow', 'status', runId, '--json'], cwd);
    const summary = JSON.parse(json.stdout) as {
      steps: Array<{ id: string; outputs: { stdout?: string } }>;
    };
    const stdout = summary.steps.find((step) => step.id === 'flood')?.outputs.stdout ?? '';
    expect(stdout.endsWith(LAST_LINE.trim())).toBe(true);
    expect(stdout.length).toBeLessThanOrEqual(64 * 1024);
    const story = await runSmall(['workflow', 'story', runId], cwd);
    expect(story.exitCode, story.stderr).toBe(0);
    expect(story.stdout).toContain('**Tension** *[engineer]* `after`');

    // The dashboard, in the same heap: the run's detail, its events replayed, the log's end.
    const dashboard = runSmall(['dashboard', '--port', '0'], cwd);
    try {
      const url = await new Promise<URL>((resolve) => {
        let printed = '';
        dashboard.stdout?.on('data', (chunk: Buffer) => {
          printed += chunk.toString();
          if (printed.includes('\n')) resolve(new URL(printed.trim()));
        });
      });
      const port = Number(url.port);
      const token = url.searchParams.get('token') ?? '';
      const detail = await request(port, `/api/workflow/runs/${runId}`, { token });
      expect(detail.status).toBe(200);
      expect((detail.json as RunDetail).steps.map((step) => step.status)).toEqual([
        'completed',
        'failed',
      ]);
      const tail = await request(
        port,
        `/api/workflow/runs/${runId}/steps/flood/log?offset=${size - 200}`,
        {
          token,
        },
      );
      const chunk = tail.json as StepLogChunk;
      expect(chunk).toMatchObject({ offset: size - 200, nextOffset: size, size });
      expect(chunk.text.endsWith(`${'x'.repeat(127)}\n${LAST_LINE}`)).toBe(true);

      const client = await TestClient.connect(port, { token });
      client.send({ type: 'subscribe', channel: `workflow:${runId}`, since: 0 });
      await client.waitForSeq(runId, events.length);
      expect(client.events(runId).map((event) => event.seq)).toEqual(events.map((e) => e.seq));
      client.close();
    } finally {
      dashboard.kill('SIGTERM');
      expect((await dashboard).exitCode).toBe(0);
    }

    // resume, in the same heap: the failed step runs again, the flood is kept.
    await writeFile(join(cwd, 'fixed'), '');
    const resumed = await runSmall(['workflow', 'resume', runId], cwd);
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('resumed: running after; keeping flood');
    expect((await readEventLog(cwd, runId)).at(-1)?.type).toBe('workflow.completed');
    expect((await stat(logPath)).size).toBe(size);
  }, 240_000);
});
