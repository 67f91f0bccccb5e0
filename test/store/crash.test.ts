import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EventLog } from '../../src/store/event-log.js';
import { getEventsPath, getRunDir } from '../../src/store/paths.js';
import { completed, createWorkspace } from './helpers.js';

const RUN_ID = '20261123-172200-3f9a1c';
const CHILD = fileURLToPath(new URL('./fixtures/append-then-crash.mjs', import.meta.url));

describe('recovery from a killed process', () => {
  it('reopens the log of a process SIGKILLed mid-line and continues the sequence', async () => {
    const workspace = await createWorkspace();
    await mkdir(getRunDir(workspace, RUN_ID), { recursive: true });
    const child = spawn(process.execPath, [CHILD, getEventsPath(workspace, RUN_ID), RUN_ID, '3']);
    const [code, signal] = await once(child, 'exit');
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' });

    const log = await EventLog.open(workspace, RUN_ID);
    expect(log.repairWarning).toMatch(/incomplete line/);
    expect(log.history.map((event) => event.seq)).toEqual([1, 2, 3]);
    expect(log.append('workflow.step.completed', completed('next')).seq).toBe(4);
    await log.close();
  });
});
