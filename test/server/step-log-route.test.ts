// GET …/runs/:id/steps/:step/log: a step's log file read from a byte offset, a bounded chunk at a
// time, with the token, and never outside the run's logs folder.

import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StepLogChunk } from '../../src/server/protocol.js';
import type { DashboardServer } from '../../src/server/standalone.js';
import { LOG_CHUNK_BYTES } from '../../src/server/step-log-view.js';
import { createRunLog, request, startTestServer } from './helpers.js';

const RUN = '20260101-000000-aaaaaa';

let server: DashboardServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server over a run whose step `a` has `log` as its log file. */
async function serveLog(log: string | Buffer | undefined) {
  const started = await startTestServer();
  server = started.server;
  const events = await createRunLog(started.workspace, RUN);
  await events.close();
  const logs = join(started.workspace, '.mia/runs', RUN, 'logs');
  if (log !== undefined) await writeFile(join(logs, 'a.log'), log);
  const read = async (query: string) => {
    const answer = await request(started.port, `/api/workflow/runs/${RUN}/steps/a/log${query}`, {
      token: started.token,
    });
    return { ...answer, chunk: answer.json as StepLogChunk };
  };
  return { ...started, logs, read };
}

describe('the step log endpoint', () => {
  it("reads a matrix leg's log from its encoded file, whatever the leg's values", async () => {
    const { port, token, logs } = await serveLog('step a\n');
    const leg = 'a(@scope/pkg, ..)';
    await writeFile(join(logs, 'a(%40scope%2Fpkg,%20%2E%2E).log'), 'leg output\n');
    const path = `/api/workflow/runs/${RUN}/steps/${encodeURIComponent(leg)}/log`;
    const answer = await request(port, path, { token });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      stepId: leg,
      logPath: `.mia/runs/${RUN}/logs/a(%40scope%2Fpkg,%20%2E%2E).log`,
      text: 'leg output\n',
    });
  });

  it('reads the log from a byte offset and says where the next read starts', async () => {
    const { read } = await serveLog('first line\nsecond line\n');
    const all = await read('');
    expect(all.status).toBe(200);
    expect(all.chunk).toEqual({
      runId: RUN,
      stepId: 'a',
      logPath: `.mia/runs/${RUN}/logs/a.log`,
      offset: 0,
      nextOffset: 23,
      size: 23,
      text: 'first line\nsecond line\n',
    });
    const rest = await read('?offset=11');
    expect(rest.chunk).toMatchObject({ offset: 11, nextOffset: 23, text: 'second line\n' });
    const end = await read('?offset=23');
    expect(end.chunk).toMatchObject({ offset: 23, nextOffset: 23, size: 23, text: '' });
  });

  it('reads at most one bounded chunk per call, so a huge log is read in pieces', async () => {
    const size = LOG_CHUNK_BYTES * 2 + 100;
    const { read } = await serveLog(Buffer.alloc(size, 'x'));
    const first = await read('');
    expect(first.chunk.text).toHaveLength(LOG_CHUNK_BYTES);
    expect(first.chunk).toMatchObject({ nextOffset: LOG_CHUNK_BYTES, size });
    const small = await read(`?offset=${size - 10}&limit=4`);
    expect(small.chunk).toMatchObject({ offset: size - 10, nextOffset: size - 6, text: 'xxxx' });
    const tooMuch = await read(`?limit=${LOG_CHUNK_BYTES + 1}`);
    expect(tooMuch.status).toBe(400);
  });

  it('never cuts a character in two, whatever the offset and the limit', async () => {
    const text = 'añ日🎉z';
    const { read } = await serveLog(text);
    const pieces: string[] = [];
    for (let offset = 0, guard = 0; offset < Buffer.byteLength(text) && guard < 20; guard++) {
      const { chunk } = await read(`?offset=${offset}&limit=4`);
      pieces.push(chunk.text);
      offset = chunk.nextOffset;
    }
    expect(pieces.join('')).toBe(text);
    // An offset inside a character starts at the next whole one.
    const inside = await read('?offset=2');
    expect(inside.chunk).toMatchObject({ offset: 3, text: '日🎉z' });
  });

  it('answers an empty log for a step that printed nothing', async () => {
    const { read } = await serveLog(undefined);
    const answer = await read('?offset=0');
    expect(answer.status).toBe(200);
    expect(answer.chunk).toMatchObject({ offset: 0, nextOffset: 0, size: 0, text: '' });
  });

  it('refuses an offset past the end with 416, and one that is not a number with 400', async () => {
    const { read } = await serveLog('short\n');
    const past = await read('?offset=7');
    expect(past.status).toBe(416);
    expect(past.json).toMatchObject({
      error: { code: 'MIA_SERVER_BAD_OFFSET', message: expect.stringContaining('6 bytes') },
    });
    for (const bad of ['-1', '1e3', 'abc', '0x10', '99999999999999999999']) {
      expect((await read(`?offset=${bad}`)).status).toBe(400);
    }
  });

  it('refuses without the token, and for an unknown run', async () => {
    const { port, token } = await serveLog('secret output\n');
    const anonymous = await request(port, `/api/workflow/runs/${RUN}/steps/a/log`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).not.toContain('secret output');
    const unknown = await request(port, '/api/workflow/runs/20260101-000000-ffffff/steps/a/log', {
      token,
    });
    expect(unknown.status).toBe(404);
  });

  it('refuses step and run ids that would leave the logs folder, and a log that is a link', async () => {
    const { port, token, logs, workspace } = await serveLog('ok\n');
    await writeFile(join(workspace, 'outside.txt'), 'private\n');
    for (const path of [
      `/api/workflow/runs/${RUN}/steps/..%2F..%2Fevents.jsonl/log`,
      `/api/workflow/runs/${RUN}/steps/..%2Fevents/log`,
      `/api/workflow/runs/${RUN}/steps/%2Fetc%2Fpasswd/log`,
      `/api/workflow/runs/${RUN}/steps/a%00/log`,
      `/api/workflow/runs/..%2F..%2F..%2F/steps/a/log`,
      `/api/workflow/runs/${RUN}/steps/A.LOG/log`,
    ]) {
      const answer = await request(port, path, { token });
      expect({ path, status: answer.status }).toEqual({ path, status: 400 });
      expect(answer.text).not.toContain('private');
    }
    // A matrix leg whose values hold `..` and `/` reads its own encoded file, never another.
    for (const leg of ['a(../../events.jsonl)', 'a(..)', 'a(../../../outside.txt)']) {
      const path = `/api/workflow/runs/${RUN}/steps/${encodeURIComponent(leg)}/log`;
      const answer = await request(port, path, { token });
      // Its own file, which it never wrote: an empty log, nothing of another file.
      expect({ leg, status: answer.status }).toEqual({ leg, status: 200 });
      expect(answer.json).toMatchObject({ text: '', size: 0 });
      expect((answer.json as StepLogChunk).logPath).toMatch(
        new RegExp(`^\\.mia/runs/${RUN}/logs/a\\([^/]+\\)\\.log$`),
      );
    }
    await symlink(join(workspace, 'outside.txt'), join(logs, 'b.log'));
    const linked = await request(port, `/api/workflow/runs/${RUN}/steps/b/log`, { token });
    expect(linked.status).toBe(403);
    expect(linked.json).toMatchObject({ error: { code: 'MIA_STORE_NOT_A_LOG' } });
    expect(linked.text).not.toContain('private');
  });
});
