// Alone in its file: the crash switch counts durable writes per process, and each test file runs in a fresh module graph.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventLog } from '../../src/store/event-log.js';
import { completed, createWorkspace, logLine } from './helpers.js';

const RUN_ID = '20261123-172200-3f9a1c';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('the test-only crash switch', () => {
  it('kills the process right after its Nth durable event is fsynced, before publishing it', async () => {
    vi.stubEnv('MIA_TEST_CRASH_AFTER_WRITE', '3');
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    const workspace = await createWorkspace();
    const log = await EventLog.create(workspace, RUN_ID);
    const published: number[] = [];
    log.subscribe((event) => {
      if (kill.mock.calls.length === 0) published.push(event.seq);
    });

    log.append('workflow.step.completed', completed('a'));
    log.append('workflow.step.completed', completed('b'));
    log.append('workflow.step.log', logLine('c', 'not durable'));
    await log.flush();
    expect(kill).not.toHaveBeenCalled();

    log.append('workflow.step.completed', completed('c'));
    await log.flush();
    expect(kill).toHaveBeenCalledExactlyOnceWith(process.pid, 'SIGKILL');
    expect(published).toEqual([1, 2, 3]);
    await log.close();
  });
});
