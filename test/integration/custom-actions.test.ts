// Custom actions of a workspace: loaded from .mia/actions, validated, listed and run.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspace, runMia } from '../helpers/cli.js';
import { eventsFor, parseRunId, readRunEvents } from '../helpers/run-files.js';

const GREET = `export default {
  name: 'greet',
  universes: ['story'],
  description: 'Greets someone by name.',
  schema: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: { name: { type: 'string' } },
  },
  async run(ctx) {
    ctx.log.write('stdout', 'hello ' + ctx.with.name + '\\n');
    return { outputs: { greeting: 'hello ' + ctx.with.name, workdir: ctx.workdir } };
  },
};
`;

const COUNT = `export default {
  name: 'count-widgets',
  universes: ['story'],
  async run() {
    return { outputs: { widgets: 7 } };
  },
  describeOutputs(outputs) {
    return [outputs.widgets + ' widgets counted', { text: 'the ledger agrees', universe: 'ceremony' }];
  },
};
`;

async function addAction(ws: string, file: string, text: string): Promise<void> {
  await mkdir(join(ws, '.mia/actions'), { recursive: true });
  await writeFile(join(ws, '.mia/actions', file), text);
}

describe('custom actions', () => {
  it('runs a custom action with its with, universe and outputs', async () => {
    const ws = await createWorkspace({
      hello:
        'name: hello\nnarrative: "Hi"\nsteps:\n  - { id: hi, action: greet, with: { name: Ada } }\n',
    });
    await addAction(ws, 'greet.mjs', GREET);
    const result = await runMia(['workflow', 'run', 'hello'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    const events = await readRunEvents(ws, parseRunId(result.stdout));
    expect(eventsFor(events, 'workflow.step.started', 'hi')[0]?.payload.universe).toBe('story');
    expect(eventsFor(events, 'workflow.step.completed', 'hi')[0]?.payload.outputs).toEqual({
      greeting: 'hello Ada',
      workdir: ws,
    });
  });

  it("validates a custom action's with against its schema before anything runs", async () => {
    const ws = await createWorkspace({
      hello:
        'name: hello\nnarrative: "Hi"\nsteps:\n  - { id: hi, action: greet, with: { nme: Ada } }\n',
    });
    await addAction(ws, 'greet.mjs', GREET);
    const result = await runMia(['workflow', 'validate', 'hello'], { cwd: ws });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/hello\.yaml:4:\d+: .*name/);
  });

  it('lists custom actions beside the built-in ones and warns about a broken one', async () => {
    const ws = await createWorkspace();
    await addAction(ws, 'greet.mjs', GREET);
    await addAction(ws, 'broken.mjs', 'export default { name: "broken" };\n');
    const result = await runMia(['workflow', 'ls', '--actions', '--json'], { cwd: ws });
    expect(result.exitCode).toBe(0);
    const actions = JSON.parse(result.stdout) as Array<{ name: string; custom: boolean }>;
    expect(actions.find((a) => a.name === 'greet')?.custom).toBe(true);
    expect(actions.find((a) => a.name === 'shell')?.custom).toBe(false);
    expect(actions.some((a) => a.name === 'broken')).toBe(false);
    expect(result.stderr).toContain('broken.mjs is not loaded: Its universes must be');
  });

  it("tells the facts of a custom action's describeOutputs in its beat and in the story", async () => {
    const ws = await createWorkspace({
      stock:
        'name: stock\nnarrative: "The stock is known"\nsteps:\n  - { id: count, action: count-widgets }\n',
    });
    await addAction(ws, 'count-widgets.mjs', COUNT);
    const result = await runMia(['workflow', 'run', 'stock'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    const events = await readRunEvents(ws, parseRunId(result.stdout));
    const beats = eventsFor(events, 'beat.created').map(
      (event) =>
        (event.payload as { beat: { stepId: string | null } & Record<string, unknown> }).beat,
    );
    expect(beats.find((beat) => beat.stepId === 'count')).toMatchObject({
      description: expect.stringContaining('(7 widgets counted; the ledger agrees; '),
      universeAnnotations: { story: '7 widgets counted', ceremony: 'the ledger agrees' },
    });
    expect(result.stdout).toContain('7 widgets counted');
    const story = await runMia(['workflow', 'story', '--last'], { cwd: ws });
    expect(story.stdout).toContain('7 widgets counted; the ledger agrees');
  });

  it('does not load a custom action whose describeOutputs is not a function, and says why', async () => {
    const ws = await createWorkspace();
    await addAction(
      ws,
      'count-widgets.mjs',
      `export default { name: 'count-widgets', universes: ['story'], async run() {}, describeOutputs: 'widgets' };\n`,
    );
    const result = await runMia(['workflow', 'ls', '--actions', '--json'], { cwd: ws });
    expect(result.exitCode).toBe(0);
    const actions = JSON.parse(result.stdout) as Array<{ name: string }>;
    expect(actions.some((a) => a.name === 'count-widgets')).toBe(false);
    expect(result.stderr).toContain(
      'count-widgets.mjs is not loaded: Its describeOutputs is string, not a function',
    );
  });
});
