// `mia dashboard --port 0` under attack from other local pages and processes: cross-site
// WebSocket hijacking, DNS rebinding, missing and wrong tokens, oversized frames, malformed JSON,
// thousands of headers and path traversal. Every attempt is refused and the server stays up.

import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runMia, startMia } from '../helpers/cli.js';
import { parseRunId } from '../helpers/run-files.js';
import { createFaultWorkspace } from './helpers.js';

/** The mia narrative channel and the module's own socket: `mia dashboard` serves both. */
const WS_PATHS = ['/api/ws/narrative', '/api/workflow/ws'];
const URL_LINE = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+)/;
const HOSTILE_ORIGINS = [
  'http://evil.example',
  'null',
  'http://127.0.0.1.evil.com',
  'https://127.0.0.1',
  'http://localhost.evil.com',
];

let child: ReturnType<typeof startMia>;
let port = 0;
let token = '';
let runId = '';

interface Answer {
  status: number;
  body: string;
}

/** One HTTP request with exactly these headers (Host included). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const bearer = () => ({ authorization: `Bearer ${token}` });

/** What happened to a WebSocket: refused (HTTP status), or opened and then what it received. */
function openSocket(
  query: string,
  options: {
    origin?: string;
    host?: string;
    send?: Array<string | Buffer>;
    waitMs?: number;
    path?: string;
  } = {},
): Promise<{ refusedWith?: number; messages: string[]; closeCode?: number }> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { host: options.host ?? `127.0.0.1:${port}` };
    if (options.origin !== undefined) headers.origin = options.origin;
    const path = options.path ?? WS_PATHS[0];
    const socket = new WebSocket(`ws://127.0.0.1:${port}${path}${query}`, { headers });
    const messages: string[] = [];
    let closeCode: number | undefined;
    const finish = () => resolve({ messages, ...(closeCode === undefined ? {} : { closeCode }) });
    socket.on('unexpected-response', (_req, res) => {
      resolve({ refusedWith: res.statusCode ?? 0, messages });
      res.resume();
      socket.terminate();
    });
    socket.on('error', () => undefined);
    socket.on('message', (data) => messages.push(data.toString()));
    socket.on('close', (code) => {
      closeCode = code;
      finish();
    });
    socket.on('open', () => {
      for (const message of options.send ?? []) socket.send(message);
      setTimeout(() => {
        socket.close();
        setTimeout(finish, 200);
      }, options.waitMs ?? 400);
    });
  });
}

async function expectServerUp(): Promise<void> {
  const runs = await get('/api/workflow/runs', bearer());
  expect(runs.status).toBe(200);
  expect(runs.body).toContain(runId);
}

beforeAll(async () => {
  const ws = await createFaultWorkspace({
    hello: `name: hello\nnarrative: "A run to look at"\nsteps:\n  - { id: a, action: shell, with: { run: "echo hi" } }\n`,
  });
  const run = await runMia(['workflow', 'run', 'hello'], { cwd: ws });
  runId = parseRunId(run.stdout);
  child = startMia(['dashboard', '--port', '0'], { cwd: ws });
  await new Promise<void>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = URL_LINE.exec(text);
      if (match) {
        port = Number(match[1]);
        token = match[2]!;
        resolve();
      }
    });
    void child.then((result) => reject(new Error(`the dashboard exited: ${result.stderr}`)));
  });
});

afterAll(async () => {
  child.kill('SIGTERM');
  await child;
});

describe('the dashboard under attack', () => {
  it('refuses every API call without the token or with a wrong one', async () => {
    for (const headers of <Array<Record<string, string>>>[
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Bearer ${token}x` },
      { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` },
      { authorization: 'Bearer ' },
    ]) {
      for (const path of [
        '/api/workflow/runs',
        `/api/workflow/runs/${runId}`,
        `/api/workflow/runs/${runId}/story`,
      ]) {
        const answer = await get(path, headers);
        expect(answer.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(answer.body).not.toContain('A run to look at');
      }
    }
    expect((await get(`/api/workflow/runs?token=wrong`)).status).toBe(401);
    expect((await get(`/api/workflow/runs/${runId}/resume`, {}, 'POST')).status).toBe(401);
    await expectServerUp();
  });

  it('refuses DNS-rebinding Host headers and pages of other origins, even with the token', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      `127.0.0.1.evil.com:${port}`,
      `127.0.0.1:${port + 1}`,
    ]) {
      const answer = await get('/api/workflow/runs', { ...bearer(), host });
      expect(answer.status, host).toBe(403);
    }
    for (const origin of HOSTILE_ORIGINS) {
      const answer = await get('/api/workflow/runs', { ...bearer(), origin });
      expect(answer.status, origin).toBe(403);
      const post = await get(`/api/workflow/runs/${runId}/resume`, { ...bearer(), origin }, 'POST');
      expect(post.status, origin).toBe(403);
    }
    await expectServerUp();
  });

  it.each(WS_PATHS)(
    'refuses cross-site WebSocket hijacking and rebinding on %s before any event is sent',
    async (path) => {
      for (const origin of HOSTILE_ORIGINS) {
        const result = await openSocket(`?token=${token}`, { origin, path });
        expect(result.refusedWith, origin).toBe(403);
      }
      const rebound = await openSocket(`?token=${token}`, { host: `evil.example:${port}`, path });
      expect(rebound.refusedWith).toBe(403);
      expect((await openSocket('?token=wrong', { path })).refusedWith).toBe(401);
      // Without a token in the URL, nothing is sent before a valid `auth` (what comes first waits).
      const subscribe = JSON.stringify({ type: 'subscribe', channel: 'workflow:*', since: 0 });
      for (const first of [
        subscribe,
        JSON.stringify({ type: 'auth', token: 'wrong' }),
        JSON.stringify({ type: 'auth', token: { $ne: null } }),
        '{not json',
      ]) {
        const result = await openSocket('', { send: [first, subscribe], path });
        expect(result.messages.join('\n'), first).not.toContain(runId);
        expect(result.closeCode, first).toBeDefined();
      }
      await expectServerUp();
    },
  );

  it('answers malformed messages with errors, cuts oversized frames, and stays up', async () => {
    const good = await openSocket(`?token=${token}`, {
      send: [
        '{not json',
        '[]',
        JSON.stringify({ type: 'subscribe', channel: 'workflow:../../etc/passwd' }),
        JSON.stringify({ type: 'subscribe', channel: `workflow:${runId}/../x` }),
        JSON.stringify({ type: 'replay', channel: 'workflow:%2e%2e%2fx', since: 0 }),
        JSON.stringify({ type: '__proto__', channel: { polluted: true } }),
        Buffer.from([0xff, 0x00]),
        JSON.stringify({ type: 'subscribe', channel: `workflow:${runId}`, since: 0 }),
      ],
      waitMs: 800,
    });
    const replies = good.messages.map((text) => JSON.parse(text) as { type: string });
    expect(replies.filter((m) => m.type === 'error').length).toBeGreaterThanOrEqual(6);
    expect(replies.some((m) => m.type === 'subscribed')).toBe(true);
    expect(good.messages.join('\n')).not.toContain('root:');

    const huge = await openSocket(`?token=${token}`, { send: ['x'.repeat(2 * 1024 * 1024)] });
    expect(huge.closeCode).toBe(1009);
    await expectServerUp();
  });

  it('survives thousands of headers and an endless header block', async () => {
    const answers = await Promise.all(
      [5000, 200_000].map(
        (count) =>
          new Promise<string>((resolve) => {
            const socket = connect(port, '127.0.0.1', () => {
              const headers = Array.from({ length: count }, (_, i) => `X-H${i}: ${i}`).join('\r\n');
              socket.end(
                `GET /api/workflow/runs?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers}\r\n\r\n`,
              );
            });
            let text = '';
            socket.on('data', (chunk) => {
              text += chunk.toString();
            });
            socket.on('error', () => resolve(text));
            socket.on('close', () => resolve(text));
          }),
      ),
    );
    expect(answers[0]).toMatch(/^HTTP\/1\.1 431 /);
    // The endless block may be cut off while it is still being sent: a 431 or a closed connection.
    expect(answers[1]).toMatch(/^HTTP\/1\.1 431 |^$/);
    await expectServerUp();
  });

  it('refuses path traversal in routes and page files', async () => {
    for (const path of [
      '/api/workflow/runs/..%2F..%2Fetc%2Fpasswd',
      '/api/workflow/runs/%2e%2e/story',
      '/api/workflow/runs/..',
      `/api/workflow/runs/${runId}%00`,
      '/workflow/assets/..%2F..%2Fpackage.json',
      '/workflow/assets/%2e%2e/%2e%2e/package.json',
      '/workflow/assets/....//....//package.json',
      '/../../../../etc/passwd',
      '/workflow/assets/..\\..\\package.json',
    ]) {
      const answer = await get(path, bearer());
      expect([400, 404], `${path}: ${answer.status}`).toContain(answer.status);
      expect(answer.body).not.toContain('root:x:0');
      expect(answer.body).not.toContain('"name": "mia-workflow"');
    }
    await expectServerUp();
  });
});
