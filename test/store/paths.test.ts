import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MiaError } from '../../src/errors.js';
import {
  createRunId,
  getEventsPath,
  getRunDir,
  getRunsDir,
  getStepLogPath,
  getStoryPath,
} from '../../src/store/paths.js';

const RUN_ID = '20261123-172200-3f9a1c';

describe('run paths', () => {
  it('places a run under .mia/runs of the workspace', () => {
    expect(getRunsDir('/ws')).toBe(join('/ws', '.mia', 'runs'));
    expect(getRunDir('/ws', RUN_ID)).toBe(join('/ws', '.mia', 'runs', RUN_ID));
    expect(getEventsPath('/ws', RUN_ID)).toBe(join('/ws', '.mia', 'runs', RUN_ID, 'events.jsonl'));
    expect(getStoryPath('/ws', RUN_ID)).toBe(join('/ws', '.mia', 'runs', RUN_ID, 'story.md'));
    expect(getStepLogPath('/ws', RUN_ID, 'build')).toBe(
      join('/ws', '.mia', 'runs', RUN_ID, 'logs', 'build.log'),
    );
  });

  it.each([
    ['a parent reference', '../x'],
    ['a slash', 'a/b'],
    ['an encoded slash', '%2F'],
    ['the empty string', ''],
    ['a NUL byte', 'a\0b'],
    ['an absolute path', '/etc'],
    ['a backslash', 'a\\b'],
    ['a dot', '.'],
  ])('refuses a run id with %s', (_name, runId) => {
    expect(() => getRunDir('/ws', runId)).toThrow(MiaError);
    expect(() => getEventsPath('/ws', runId)).toThrow(
      expect.objectContaining({
        code: 'MIA_STORE_BAD_RUN_ID',
        message: `Invalid run id ${JSON.stringify(runId)}.`,
      }),
    );
  });

  it('refuses a step id that is not a plain name', () => {
    expect(() => getStepLogPath('/ws', RUN_ID, '../build')).toThrow(
      expect.objectContaining({ code: 'MIA_STORE_BAD_STEP_ID' }),
    );
  });
});

describe('createRunId', () => {
  it('starts with the UTC date and time, then 6 random hex characters', () => {
    const runId = createRunId(new Date('2026-11-23T17:22:00.456Z'));
    expect(runId).toMatch(/^20261123-172200-[0-9a-f]{6}$/);
  });

  it('makes ids that sort in time order and are valid run ids', () => {
    const earlier = createRunId(new Date('2026-11-23T09:59:59Z'));
    const later = createRunId(new Date('2026-11-23T10:00:00Z'));
    expect([later, earlier].sort()).toEqual([earlier, later]);
    expect(() => getRunDir('/ws', later)).not.toThrow();
  });

  it('makes different ids within the same second', () => {
    const now = new Date();
    const ids = new Set(Array.from({ length: 20 }, () => createRunId(now)));
    expect(ids.size).toBe(20);
  });
});
