// Resume end to end: crashes, interruptions, concurrent resumes and changed definitions.

import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspace, runMia } from '../helpers/cli.js';
import { isEvent, startLiveRun } from '../helpers/live-run.js';
import { eventsFor, parseRunId, readMarkers, readRunEvents } from '../helpers/run-files.js';

const CRASHABLE = `name: crashable
narrative: "Survive a crash"
steps:
  - { id: first, action: shell, with: { run: "echo first >> ran.txt" } }
  - { id: long, action: shell, depends_on: [first], with: { run: "sleep 30; echo long >> ran.txt" } }
  - { id: side, action: shell, depends_on: [first], with: { run: "echo side >> ran.txt" } }
  - { id: last, action: shell, depends_on: [long, side], with: { run: "echo last >> ran.txt" } }
`;

describe('mia workflow resume', () => {
  it('finishes a run whose engine was SIGKILLed, running no completed step twice and keeping seq continuous', async () => {
    const ws = await createWorkspace({
      crashable: CRASHABLE.replace('sleep 30', 'sleep ${SLEEP:-30}'),
    });
    const run = startLiveRun(['workflow', 'run', 'crashable'], { cwd: ws });
    const { child, runId } = run;
    await run.waitForEvents(isEvent('workflow.step.completed', 'side'));
    await run.waitForEvents(isEvent('workflow.step.started', 'long'));
    child.kill('SIGKILL');
    await child;

    const status = await runMia(['workflow', 'status', '--last'], { cwd: ws });
    expect(status.stdout).toContain('crashed (resumable)');
    const resumed = await runMia(['workflow', 'resume', '--last'], {
      cwd: ws,
      env: { SLEEP: '0' },
    });
    expect(resumed.exitCode, resumed.stderr).toBe(0);

    expect((await readMarkers(join(ws, 'ran.txt'))).sort()).toEqual([
      'first',
      'last',
      'long',
      'side',
    ]);
    const events = await readRunEvents(ws, runId()!);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const resumedEvent = eventsFor(events, 'workflow.resumed')[0];
    expect(resumedEvent?.payload.kept).toEqual(['first', 'side']);
    expect(resumedEvent?.payload.rerun).toEqual(['long', 'last']);
    expect(events.at(-1)?.type).toBe('workflow.completed');
  });

  it('records an interrupted run on SIGINT, exits 130, and resumes it', async () => {
    const ws = await createWorkspace({
      crashable: CRASHABLE.replace('sleep 30', 'sleep ${SLEEP:-30}'),
    });
    const run = startLiveRun(['workflow', 'run', 'crashable'], { cwd: ws });
    const { child, runId } = run;
    await run.waitForEvents(isEvent('workflow.step.completed', 'side'));
    await run.waitForEvents(isEvent('workflow.step.started', 'long'));
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    const events = await readRunEvents(ws, runId()!);
    expect(events.at(-1)?.type).toBe('workflow.interrupted');
    expect(eventsFor(events, 'workflow.step.failed', 'long')[0]?.payload.interrupted).toBe(true);

    const resumed = await runMia(['workflow', 'resume', runId()!], {
      cwd: ws,
      env: { SLEEP: '0' },
    });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect((await readMarkers(join(ws, 'ran.txt'))).sort()).toEqual([
      'first',
      'last',
      'long',
      'side',
    ]);
  });

  it('refuses a second resume while the run is live, naming the process that holds it', async () => {
    const ws = await createWorkspace({ crashable: CRASHABLE });
    const run = startLiveRun(['workflow', 'run', 'crashable'], { cwd: ws });
    const { child, runId } = run;
    await run.waitForEvents(isEvent('workflow.step.started', 'long'));
    const second = await runMia(['workflow', 'resume', runId()!], { cwd: ws });
    child.kill('SIGKILL');
    await child;
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toContain(`process ${child.pid}`);
  });

  it('re-runs a changed step and everything downstream of it, and keeps the rest', async () => {
    const ws = await createWorkspace({
      evolve: `name: evolve
narrative: "Fix and continue"
steps:
  - { id: stable, action: shell, with: { run: "echo stable >> ran.txt" } }
  - { id: base, action: shell, with: { run: "echo base-v1 >> ran.txt" } }
  - { id: on-base, action: shell, depends_on: [base], with: { run: "echo on-base >> ran.txt" } }
  - { id: broken, action: shell, depends_on: [stable], with: { run: "echo broken >> ran.txt; exit 1" } }
`,
    });
    const first = await runMia(['workflow', 'run', 'evolve'], { cwd: ws });
    expect(first.exitCode).toBe(1);
    const file = join(ws, '.mia/workflows/evolve.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(
      file,
      text.replace('base-v1', 'base-v2').replace('broken >> ran.txt; exit 1', 'fixed >> ran.txt'),
    );

    const resumed = await runMia(['workflow', 'resume', '--last'], { cwd: ws });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    expect(await readMarkers(join(ws, 'ran.txt'))).toEqual(
      expect.arrayContaining(['stable', 'base-v1', 'on-base', 'broken', 'base-v2', 'fixed']),
    );
    const markers = await readMarkers(join(ws, 'ran.txt'));
    expect(markers.filter((m) => m === 'stable')).toHaveLength(1);
    expect(markers.filter((m) => m === 'on-base')).toHaveLength(2);
    const events = await readRunEvents(ws, parseRunId(first.stdout));
    const resumedEvent = eventsFor(events, 'workflow.resumed')[0];
    expect(resumedEvent?.payload.definitionChanged).toBe(true);
    expect(resumedEvent?.payload.kept).toEqual(['stable']);
    expect(resumedEvent?.payload.rerun).toEqual(['base', 'on-base', 'broken']);
  });

  it('records the definition with the run, yet checks an edited file again on resume', async () => {
    const flaky = `name: flaky
narrative: "Fails until fixed"
steps:
  - { id: first, action: shell, with: { run: "echo first >> ran.txt" } }
  - { id: gate, action: shell, depends_on: [first], with: { run: "test -f fixed" } }
`;
    const ws = await createWorkspace({ flaky });
    const first = await runMia(['workflow', 'run', 'flaky'], { cwd: ws });
    expect(first.exitCode).toBe(1);
    const runId = parseRunId(first.stdout);
    await access(join(ws, '.mia/runs', runId, 'definition.json'));

    const file = join(ws, '.mia/workflows/flaky.yaml');
    await writeFile(file, flaky.replace('id: gate, action: shell', 'id: gate, action: shel'));
    const broken = await runMia(['workflow', 'resume', runId], { cwd: ws });
    expect(broken.exitCode).toBe(2);
    expect(broken.stderr).toContain('.mia/workflows/flaky.yaml:5:');
    expect(broken.stderr).toContain('Did you mean "shell"?');

    await writeFile(file, flaky);
    await writeFile(join(ws, 'fixed'), '');
    const resumed = await runMia(['workflow', 'resume', runId], { cwd: ws });
    expect(resumed.exitCode, resumed.stderr).toBe(0);
    const resumedEvent = eventsFor(await readRunEvents(ws, runId), 'workflow.resumed').at(-1);
    expect(resumedEvent?.payload).toMatchObject({ definitionChanged: false, kept: ['first'] });
    expect(await readMarkers(join(ws, 'ran.txt'))).toEqual(['first']);
  });

  it('re-runs a step and its downstream with --from, keeping what is upstream', async () => {
    const ws = await createWorkspace({
      chain: `name: chain
narrative: "Again from the middle"
steps:
  - { id: one, action: shell, with: { run: "echo one >> ran.txt" } }
  - { id: two, action: shell, depends_on: [one], with: { run: "echo two >> ran.txt" } }
  - { id: three, action: shell, depends_on: [two], with: { run: "echo three >> ran.txt" } }
`,
    });
    expect((await runMia(['workflow', 'run', 'chain'], { cwd: ws })).exitCode).toBe(0);
    const again = await runMia(['workflow', 'resume', '--last', '--from', 'two'], { cwd: ws });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await readMarkers(join(ws, 'ran.txt'))).toEqual(['one', 'two', 'three', 'two', 'three']);
    const unknown = await runMia(['workflow', 'resume', '--last', '--from', 'tow'], { cwd: ws });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('Did you mean "two"?');
  });
});
