// Runs the real `mia` on a pseudo-terminal made by util-linux `script`, for tests of what a
// terminal shows (the live footer, colours, control sequences).

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { MIA_BIN } from './cli.js';

const SCRIPT = '/usr/bin/script';

/** mia on a terminal: its process, its exit, and what the terminal shows. */
export interface TerminalMia {
  /** The `script` process holding the terminal; killing it closes the terminal. */
  child: ChildProcess;
  exited: Promise<number | null>;
  screen(): string;
  /** Resolves with the first match of `pattern` on the screen; fails if mia exits first. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
}

/**
 * Runs `mia <args>` on a pseudo-terminal of 100 columns. With `isDetached`, mia runs in a session
 * of its own (setsid), so that closing the terminal makes its writes fail instead of sending it
 * SIGHUP.
 */
export function startOnTerminal(
  args: string[],
  cwd: string,
  options: { isDetached?: boolean; env?: Record<string, string> } = {},
): TerminalMia {
  if (!existsSync(SCRIPT)) {
    throw new Error(`${SCRIPT} (util-linux) is needed to give mia a terminal; install util-linux.`);
  }
  const launcher = options.isDetached ? 'exec setsid -w' : 'exec';
  const command = `stty cols 100 rows 30; ${launcher} "${process.execPath}" "${MIA_BIN}" ${args.join(' ')}`;
  const child = spawn(SCRIPT, ['-q', '-e', '-f', '-c', command, '/dev/null'], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', TERM: 'xterm', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  const waiters: Array<() => void> = [];
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    screen += chunk;
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    exited,
    screen: () => screen,
    async waitFor(pattern) {
      for (;;) {
        const match = pattern.exec(screen);
        if (match) return match;
        const exitCode = await Promise.race([
          exited,
          new Promise<'more'>((wake) => waiters.push(() => wake('more'))),
        ]);
        if (exitCode !== 'more') {
          throw new Error(`mia exited (${exitCode}) before showing ${pattern}:\n${screen}`);
        }
      }
    },
  };
}
