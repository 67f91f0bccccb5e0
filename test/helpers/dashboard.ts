// `mia dashboard` in a process of its own, and the URL it prints.

import { startMia } from './cli.js';

const URL_WAIT_MS = 20_000;

export interface RunningDashboard {
  /** The URL `mia dashboard` printed, with its token. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts `mia dashboard --port <port> -C <workspace>` (any free port by default) and resolves with
 * the URL it prints (a token from MIA_DASHBOARD_TOKEN is printed as `***`).
 */
export async function startDashboard(
  workspace: string,
  options: { port?: number; env?: Record<string, string> } = {},
): Promise<RunningDashboard> {
  const args = ['dashboard', '--port', String(options.port ?? 0), '-C', workspace];
  const child = startMia(args, { cwd: workspace, ...(options.env ? { env: options.env } : {}) });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`mia dashboard printed no URL within ${URL_WAIT_MS} ms:\n${output}`)),
      URL_WAIT_MS,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^(http:\/\/\S+\?token=\S+)$/m.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void child.then((result) => {
      clearTimeout(timer);
      reject(
        new Error(`mia dashboard ended (${result.exitCode}) first:\n${output}\n${result.stderr}`),
      );
    });
  });
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await child;
    },
  };
}
