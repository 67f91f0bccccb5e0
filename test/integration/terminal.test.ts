// `mia workflow run --dashboard` on a real terminal: a pseudo-terminal made by util-linux `script`.

import type { ChildProcess } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace } from '../helpers/cli.js';
import { startOnTerminal } from '../helpers/terminal.js';

const HELLO = `name: hello
narrative: A greeting reaches the terminal
steps:
  - id: greet
    action: shell
    with:
      run: i=0; while [ ! -e go ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; echo hello from a terminal
`;

const workspaces: string[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await Promise.all(workspaces.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('run --dashboard on a terminal', () => {
  it('keeps the dashboard serving after the run ends, until Ctrl-C closes it', async () => {
    const cwd = await createWorkspace({ hello: HELLO });
    workspaces.push(cwd);
    const mia = startOnTerminal(['workflow', 'run', 'hello', '--dashboard'], cwd);
    children.push(mia.child);

    // The live footer counts steps and names the running ones from the start.
    // The step waits for the file \`go\`, so the footer is seen while it runs.
    await mia.waitFor(/… 0\/1 done · running: greet · /);
    await writeFile(join(cwd, 'go'), '');
    await mia.waitFor(/✓ greet /);
    const [, url] = await mia.waitFor(/the dashboard stays open at (\S+)/);
    const page = new URL(url ?? '');
    const runs = await fetch(new URL(`/api/workflow/runs?${page.searchParams}`, page));
    expect(runs.status).toBe(200);
    const [run] = (await runs.json()) as Array<{ workflow: string; status: string }>;
    expect(run).toMatchObject({ workflow: 'hello', status: 'completed' });
    expect(mia.screen()).toContain('Press Ctrl-C to close it.');

    // Ctrl-C typed on the terminal: the terminal sends SIGINT to mia, which closes the dashboard.
    mia.child.stdin?.write('\x03');
    expect(await mia.exited).toBe(0);
    await expect(fetch(new URL('/api/workflow/runs', page))).rejects.toThrow();
  });
});
