// `mia dashboard` and `mia workflow run --dashboard` as real processes: the URL they print, what
// it serves, and how they end.

import { describe, expect, it } from 'vitest';
import { createWorkspace, runMia, startMia } from '../helpers/cli.js';
import { isMessage, request, TestClient } from './helpers.js';

const URL_LINE = /^(?:dashboard )?(http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+|\*\*\*))$/m;

/** Resolves with the URL once the child prints it on `stream`. */
function readUrl(
  child: ReturnType<typeof startMia>,
  stream: 'stdout' | 'stderr',
): Promise<{ url: string; port: number; token: string }> {
  return new Promise((resolve, reject) => {
    let text = '';
    child[stream]?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = URL_LINE.exec(text);
      if (match) resolve({ url: match[1]!, port: Number(match[2]), token: match[3]! });
    });
    void child.then((result) =>
      reject(new Error(`exited without a URL:\n${text}\n${result.stderr}`)),
    );
  });
}

const GATED = `name: gated
narrative: "A person decides when it ships"
steps:
  - { id: build, action: shell, with: { run: "echo built" } }
  - { id: ship, action: approve, depends_on: [build], with: { prompt: "Ship it?" } }
`;

describe('mia dashboard', () => {
  it('prints its URL with the token, serves it, and exits 0 on SIGTERM', async () => {
    const workspace = await createWorkspace();
    const child = startMia(['dashboard', '--port', '0'], { cwd: workspace });
    const { port, token } = await readUrl(child, 'stdout');
    const runs = await request(port, '/api/workflow/runs', { token });
    expect(runs.status).toBe(200);
    expect(runs.json).toEqual([]);
    expect((await request(port, '/api/workflow/runs')).status).toBe(401);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(String(result.stdout).trim().split('\n')).toHaveLength(1);
  });

  it('takes a lasting token from MIA_DASHBOARD_TOKEN and says how to point the mia extensions at it', async () => {
    const workspace = await createWorkspace();
    const token = 'a-lasting-token-for-the-ide';
    const child = startMia(['dashboard', '--port', '0'], {
      cwd: workspace,
      env: { MIA_DASHBOARD_TOKEN: token },
    });
    // A token from the environment is a secret the user holds: the output masks it.
    const printed = await readUrl(child, 'stdout');
    expect(printed.url).toBe(`http://127.0.0.1:${printed.port}/?token=***`);
    expect((await request(printed.port, '/api/workflow/runs', { token })).status).toBe(200);
    child.kill('SIGTERM');
    const result = await child;
    expect(result.stderr).toContain(
      `set mia.serverUrl to http://127.0.0.1:${printed.port} and store the token as the secret mia.serverToken.`,
    );
  });

  it('refuses a MIA_DASHBOARD_TOKEN too short or with characters a URL would change', async () => {
    const workspace = await createWorkspace();
    for (const token of ['short', 'has spaces in it, sixteen+']) {
      const result = await runMia(['dashboard', '--port', '0'], {
        cwd: workspace,
        env: { MIA_DASHBOARD_TOKEN: token },
      });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(/MIA_DASHBOARD_TOKEN is not a usable token: it must be 16/);
      expect(result.stderr).not.toContain(token);
    }
  });

  it('refuses --host 0.0.0.0 without --allow-remote, saying why', async () => {
    const workspace = await createWorkspace();
    const result = await runMia(['dashboard', '--host', '0.0.0.0'], { cwd: workspace });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/token is its only protection/);
    expect(result.stderr).toMatch(/--allow-remote/);
  });

  it('refuses a port that is not a number', async () => {
    const workspace = await createWorkspace();
    const result = await runMia(['dashboard', '--port', 'eighty'], { cwd: workspace });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/--port "eighty"/);
  });
});

describe('mia workflow run --dashboard', () => {
  it('serves the run live while it goes, after the `run <id>` line, and closes when it ends', async () => {
    const workspace = await createWorkspace({ gated: GATED });
    const child = startMia(['workflow', 'run', 'gated', '--dashboard'], { cwd: workspace });
    const { port, token } = await readUrl(child, 'stdout');
    const client = await TestClient.connect(port, { token });
    client.send({ type: 'subscribe', channel: 'workflow:*', since: 0 });
    const [waiting] = await client.waitFor((m) => 'seq' in m && m.type === 'workflow.step.waiting');
    const runId = (waiting as { runId: string }).runId;
    const answer = await request(port, `/api/workflow/runs/${runId}/steps/ship/approve`, {
      method: 'POST',
      token,
    });
    expect(answer.status).toBe(200);
    await client.waitFor((m) => 'seq' in m && m.type === 'workflow.completed');
    const seqs = client.events(runId).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(String(result.stdout).split('\n')[0]).toBe(`run ${runId}`);
    expect(await client.closed).toMatchObject({ code: 1001 });
    expect(client.messages.filter(isMessage('error'))).toEqual([]);
  });

  it('prints the URL to stderr with --json, keeping stdout JSON only', async () => {
    const workspace = await createWorkspace({ gated: GATED });
    const child = startMia(['workflow', 'run', 'gated', '--dashboard', '--json', '--yes'], {
      cwd: workspace,
    });
    const url = readUrl(child, 'stderr');
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    await expect(url).resolves.toMatchObject({ port: expect.any(Number) });
    for (const line of String(result.stdout).trim().split('\n'))
      expect(() => JSON.parse(line)).not.toThrow();
  });
});
