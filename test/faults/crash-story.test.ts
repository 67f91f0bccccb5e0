// The story of a crash: a real `mia` process SIGKILLed mid-run, then resumed. story.md tells when
// the process stopped, which steps it cut off, and what the resume ran again, ran first and kept.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMia } from '../helpers/cli.js';
import { isEvent, startLiveRun } from '../helpers/live-run.js';
import { eventsFor, readRunEvents } from '../helpers/run-files.js';
import { createFaultWorkspace } from './helpers.js';

const CRASHABLE = `name: crashable
narrative: "A run that survives its own death"
steps:
  - { id: prep, action: shell, with: { run: "echo prep" } }
  - { id: long, action: shell, depends_on: [prep], with: { run: "sleep \${SLEEP:-30}" } }
  - { id: ask, action: approve, depends_on: [prep], with: { prompt: "Go on?" } }
  - { id: last, action: shell, depends_on: [long, ask], with: { run: "echo last" } }
`;

describe('the story of a crash', () => {
  it('tells the SIGKILL, the steps it cut off and what the resume did, from the events', async () => {
    const ws = await createFaultWorkspace({ crashable: CRASHABLE });
    const run = startLiveRun(['workflow', 'run', 'crashable'], { cwd: ws });
    await run.waitForEvents(isEvent('workflow.step.started', 'long'));
    await run.waitForEvents(isEvent('workflow.step.waiting', 'ask'));
    run.child.kill('SIGKILL');
    await run.child;
    const runId = run.runId() as string;
    const before = await readRunEvents(ws, runId);
    const lastEvent = before.at(-1);
    const longStarted = eventsFor(before, 'workflow.step.started', 'long')[0];
    const askStarted = eventsFor(before, 'workflow.step.started', 'ask')[0];

    const resumed = await runMia(['workflow', 'resume', '--last', '--yes'], {
      cwd: ws,
      env: { SLEEP: '0' },
    });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const story = await readFile(join(ws, '.mia/runs', runId, 'story.md'), 'utf8');
    expect(story).toContain(
      `*The run's process stopped without finishing (it crashed or was killed); its last event was at ${lastEvent?.timestamp}, `,
    );
    expect(story).toContain(
      ` into that session: it cut off \`long\` mid-run (attempt 1, running since ${longStarted?.timestamp}) and \`ask\` while it waited at its gate (attempt 1, running since ${askStarted?.timestamp}).*`,
    );
    const resumedAt = eventsFor(await readRunEvents(ws, runId), 'workflow.resumed')[0]?.timestamp;
    expect(story).toContain(
      `*Resumed at ${resumedAt}: running long (cut off by the crash) and ask (cut off by the crash) again; running last for the first time; keeping prep.*`,
    );
    expect(story).not.toMatch(/last[^.]* again/);
    // The printed story is the file's.
    const printed = (await runMia(['workflow', 'story', runId], { cwd: ws })).stdout;
    // (execa drops the last newline of what it captures.)
    expect(`${printed}\n`).toBe(story);
  });

  it('never says "again" of a step that never ran, and tells no crash after a plain failure', async () => {
    const ws = await createFaultWorkspace({
      plain: `name: plain
narrative: "A failure, fixed"
steps:
  - { id: check, action: shell, with: { run: "test -f fixed.txt" } }
  - { id: after, action: shell, depends_on: [check], with: { run: "echo after" } }
`,
    });
    const first = await runMia(['workflow', 'run', 'plain'], { cwd: ws });
    expect(first.exitCode).toBe(1);
    await writeFile(join(ws, 'fixed.txt'), 'yes');
    const resumed = await runMia(['workflow', 'resume', '--last'], { cwd: ws });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const story = (await runMia(['workflow', 'story', '--last'], { cwd: ws })).stdout;
    expect(story).toMatch(
      /\*Resumed at \S+: running check \(failed\) again; running after for the first time; keeping nothing\.\*/,
    );
    expect(story).not.toContain('crashed or was killed');
  });
});
