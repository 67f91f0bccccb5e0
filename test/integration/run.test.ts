// The `mia workflow run` command end to end: real processes, real files.

import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspace, runMia } from '../helpers/cli.js';
import { isProcessAlive, waitUntil } from '../helpers/processes.js';
import { eventsFor, parseRunId, readMarkers, readRunEvents } from '../helpers/run-files.js';

/** Shell that waits (20 s at most) until `file` exists, so that steps can wait for each other. */
const awaitFile = (file: string) =>
  `i=0; while [ ! -e ${file} ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done`;

describe('mia workflow run', () => {
  it('overlaps independent steps and starts a step the moment its own dependencies are done', async () => {
    const ws = await createWorkspace({
      eager: `name: eager
narrative: "Fast work does not wait for slow work"
steps:
  - { id: fast, action: shell, with: { run: "${awaitFile('slow.started')}" } }
  - { id: slow, action: shell, with: { run: "touch slow.started; ${awaitFile('after-fast.done')}" } }
  - { id: after-fast, action: shell, depends_on: [fast], with: { run: "touch after-fast.done" } }
`,
    });
    const result = await runMia(['workflow', 'run', 'eager'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    const events = await readRunEvents(ws, parseRunId(result.stdout));
    const seqOf = (type: string, id: string) => eventsFor(events, type, id)[0]?.seq ?? Number.NaN;
    // Both first-level steps started before either finished: they overlapped.
    expect(seqOf('workflow.step.started', 'slow')).toBeLessThan(
      seqOf('workflow.step.completed', 'fast'),
    );
    // after-fast did not wait for the whole first level (no level-by-level scheduling).
    expect(seqOf('workflow.step.started', 'after-fast')).toBeLessThan(
      seqOf('workflow.step.completed', 'slow'),
    );
  });

  it('lets an independent branch finish when another branch fails, and skips the failed branch downstream', async () => {
    const ws = await createWorkspace({
      branches: `name: branches
narrative: "One branch breaks, the other holds"
steps:
  - { id: broken, action: shell, with: { run: "echo boom >&2; exit 3" } }
  - { id: healthy, action: shell, with: { run: "sleep 0.5; echo fine" } }
  - { id: after-broken, action: shell, depends_on: [broken], with: { run: "true" } }
  - { id: after-healthy, action: shell, depends_on: [healthy], with: { run: "true" } }
`,
    });
    const result = await runMia(['workflow', 'run', 'branches'], { cwd: ws });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('mia workflow resume');
    const events = await readRunEvents(ws, parseRunId(result.stdout));
    expect(
      eventsFor(events, 'workflow.step.completed')
        .map((e) => e.payload.stepId)
        .sort(),
    ).toEqual(['after-healthy', 'healthy']);
    const skipped = eventsFor(events, 'workflow.step.skipped', 'after-broken')[0];
    expect(skipped?.payload.reason).toBe('upstream step "broken" failed');
    const failed = eventsFor(events, 'workflow.step.failed', 'broken')[0];
    expect((failed!.payload.error as { message: string }).message).toContain('exited with 3: boom');
    expect(eventsFor(events, 'workflow.tension', 'broken')).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('workflow.failed');
    expect(events.at(-1)?.payload.failedSteps).toEqual(['broken']);
  });

  it('hands an input holding shell code to the command as a value, so $(touch x) creates nothing', async () => {
    const ws = await createWorkspace({
      echo: `name: echo
narrative: "Inputs stay data"
inputs:
  message: { description: "what to say" }
steps:
  - id: say
    action: shell
    with: { run: "echo \${{ inputs.message }} > said.txt; echo '\${{ inputs.message }}' >> said.txt" }
`,
    });
    const evil = '$(touch pwned) `touch pwned2`; touch pwned3';
    const result = await runMia(['workflow', 'run', 'echo', '--input', `message=${evil}`], {
      cwd: ws,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(existsSync(join(ws, 'pwned'))).toBe(false);
    expect(existsSync(join(ws, 'pwned2'))).toBe(false);
    expect(existsSync(join(ws, 'pwned3'))).toBe(false);
    expect(await readMarkers(join(ws, 'said.txt'))).toEqual([evil, evil]);
  });

  it('passes outputs from one step to the next through $MIA_OUTPUT and expressions', async () => {
    const ws = await createWorkspace({
      relay: `name: relay
narrative: "A value travels"
steps:
  - { id: produce, action: shell, with: { run: "echo 'version=1.2.3' >> \\"$MIA_OUTPUT\\"" } }
  - id: consume
    action: shell
    depends_on: [produce]
    env: { SEEN: "v\${{ steps.produce.outputs.version }}" }
    with: { run: "echo \\"$SEEN\\" > seen.txt" }
`,
    });
    const result = await runMia(['workflow', 'run', 'relay'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(await readMarkers(join(ws, 'seen.txt'))).toEqual(['v1.2.3']);
  });

  it('skips a step whose condition is false and still runs the steps after it', async () => {
    const ws = await createWorkspace({
      gate: `name: gate
narrative: "Only when asked"
inputs:
  deploy: { default: "no" }
steps:
  - { id: deploy, action: shell, when: "\${{ inputs.deploy == 'yes' }}", with: { run: "touch deployed" } }
  - { id: report, action: shell, depends_on: [deploy], with: { run: "touch reported" } }
`,
    });
    const result = await runMia(['workflow', 'run', 'gate'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(existsSync(join(ws, 'deployed'))).toBe(false);
    expect(existsSync(join(ws, 'reported'))).toBe(true);
    const events = await readRunEvents(ws, parseRunId(result.stdout));
    expect(eventsFor(events, 'workflow.step.skipped', 'deploy')[0]?.payload.cause).toBe(
      'condition',
    );
  });

  it('retries a failing step with backoff and tells the success as a transformation', async () => {
    const ws = await createWorkspace({
      flaky: `name: flaky
narrative: "Third time lucky"
steps:
  - id: flaky
    action: shell
    retry: { attempts: 3, delay: 50ms, backoff: exponential }
    with: { run: "echo x >> tries.txt; [ $(wc -l < tries.txt) -ge 3 ]" }
`,
    });
    const result = await runMia(['workflow', 'run', 'flaky'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    const events = await readRunEvents(ws, parseRunId(result.stdout));
    expect(eventsFor(events, 'workflow.step.retrying').map((e) => e.payload.delayMs)).toEqual([
      50, 100,
    ]);
    expect(eventsFor(events, 'workflow.step.completed', 'flaky')[0]?.payload.attempt).toBe(3);
    const beats = eventsFor(events, 'beat.created').map(
      (e) => (e.payload.beat as { type: string }).type,
    );
    expect(beats).toContain('transformation');
  });

  it('kills the whole process tree of a step that runs past its timeout', async () => {
    const ws = await createWorkspace({
      slow: `name: slow
narrative: "Time runs out"
steps:
  - id: hang
    action: shell
    timeout: 500ms
    with: { run: "(sleep 5; touch grandchild-survived) & echo $! > grandchild.pid; echo $$ > child.pid; sleep 5; touch child-survived" }
`,
    });
    const result = await runMia(['workflow', 'run', 'slow'], { cwd: ws });
    expect(result.exitCode).toBe(1);
    const events = await readRunEvents(ws, parseRunId(result.stdout));
    const failed = eventsFor(events, 'workflow.step.failed', 'hang')[0];
    expect((failed!.payload.error as { code: string }).code).toBe('MIA_STEP_TIMEOUT');
    // Both processes end: killed, or (were they not) after touching their file 5 s later.
    const pids = await Promise.all(
      ['child.pid', 'grandchild.pid'].map(async (file) =>
        Number((await readFile(join(ws, file), 'utf8')).trim()),
      ),
    );
    expect(await waitUntil(() => pids.every((pid) => !isProcessAlive(pid)), 20_000)).toBe(true);
    expect(existsSync(join(ws, 'child-survived'))).toBe(false);
    expect(existsSync(join(ws, 'grandchild-survived'))).toBe(false);
  });

  it('lets a continue_on_error step fail without failing the run', async () => {
    const ws = await createWorkspace({
      lenient: `name: lenient
narrative: "A stumble, not a fall"
steps:
  - { id: optional, action: shell, continue_on_error: true, with: { run: "exit 1" } }
  - { id: next, action: shell, depends_on: [optional], with: { run: "true" } }
`,
    });
    const result = await runMia(['workflow', 'run', 'lenient'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    const events = await readRunEvents(ws, parseRunId(result.stdout));
    expect(eventsFor(events, 'workflow.step.completed', 'next')).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('workflow.completed');
  });

  it('prints only JSON lines with --json, starting with workflow.started', async () => {
    const ws = await createWorkspace({
      tiny: 'name: tiny\nnarrative: "Small"\nsteps:\n  - { id: one, action: shell, with: { run: "true" } }\n',
    });
    const result = await runMia(['workflow', 'run', 'tiny', '--json'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; seq: number });
    expect(lines[0]?.type).toBe('workflow.started');
    expect(lines.map((l) => l.seq)).toEqual(lines.map((_, i) => i + 1));
    expect(lines.at(-1)?.type).toBe('workflow.completed');
  });

  it('refuses a path-like workflow name with exit 2 and creates no run', async () => {
    const ws = await createWorkspace();
    const result = await runMia(['workflow', 'run', '../x'], { cwd: ws });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/error/i);
    expect(existsSync(join(ws, '.mia/runs')) ? await readdir(join(ws, '.mia/runs')) : []).toEqual(
      [],
    );
  });

  it('refuses an unknown input with exit 2 and suggests the declared one', async () => {
    const ws = await createWorkspace({
      greet:
        'name: greet\nnarrative: "Hi"\ninputs:\n  branch: { default: main }\nsteps:\n  - { id: one, action: shell, with: { run: "true" } }\n',
    });
    const result = await runMia(['workflow', 'run', 'greet', '--input', 'brnch=x'], { cwd: ws });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/did you mean "branch"/i);
  });
});
