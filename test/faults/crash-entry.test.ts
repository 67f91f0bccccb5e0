// The test-only crash entry the kill-point sweep relies on: it kills mia right after its Nth
// durable event is fsynced, and nothing after that event is ever shown.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DURABLE_EVENT_TYPES, type MiaEvent } from '../../src/events/types.js';
import { startCrashingMia } from '../helpers/cli.js';
import { createFaultWorkspace, readEventLog } from './helpers.js';

const STEPS = `name: steps
narrative: "Three steps in a row"
steps:
  - { id: a, action: shell, with: { run: 'echo a' } }
  - { id: b, action: shell, depends_on: [a], with: { run: 'echo b' } }
  - { id: c, action: shell, depends_on: [b], with: { run: 'echo c' } }
`;

const isDurable = (event: MiaEvent) => DURABLE_EVENT_TYPES.has(event.type);

describe('the crash entry', () => {
  it('kills mia right after its Nth durable event is fsynced, before that event is shown', async () => {
    for (const n of [1, 3, 5]) {
      const ws = await createFaultWorkspace({ steps: STEPS });
      const result = await startCrashingMia(['workflow', 'run', 'steps', '--json'], n, { cwd: ws });
      expect(result.signal, `at ${n}: ${result.stderr}`).toBe('SIGKILL');
      const [runId] = await readdir(join(ws, '.mia/runs'));
      const logged = await readEventLog(ws, runId ?? '');
      const nth = logged.filter(isDurable)[n - 1];
      expect(nth, `the log holds ${n} durable events`).toBeDefined();
      const shown = String(result.stdout)
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as MiaEvent);
      expect(shown.filter(isDurable).length).toBeLessThan(n);
      expect(shown.every((event) => event.seq < (nth?.seq ?? 0))).toBe(true);
    }
  });
});
