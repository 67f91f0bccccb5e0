// Runs a command as its own process group, streams its output, and kills the whole tree on abort.

import { execa } from 'execa';
import type { StepLog } from '../types.js';

/** How long a process group gets between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 2000;

export interface ProcessOptions {
  cwd: string;
  env: Record<string, string>;
  signal: AbortSignal;
  log: StepLog;
  /** How much of stdout to keep for the step's outputs. */
  keepStdoutBytes?: number;
  /** How much of stdout and stderr together, in arrival order, to keep (none by default). */
  keepOutputBytes?: number;
}

export interface ProcessResult {
  exitCode: number | undefined;
  signal: string | undefined;
  stdoutTail: string;
  stderrTail: string;
  /** The end of stdout and stderr interleaved as they arrived; empty unless `keepOutputBytes` is set. */
  outputTail: string;
}

/**
 * Runs `file args` in a new process group. On abort, the group gets SIGTERM, then SIGKILL after
 * a grace period, so children of a shell die with it. Resolves when the process has exited.
 */
export async function runProcessGroup(
  file: string,
  args: string[],
  options: ProcessOptions,
): Promise<ProcessResult> {
  const keep = options.keepStdoutBytes ?? 64 * 1024;
  const keepOutput = options.keepOutputBytes ?? 0;
  const subprocess = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    detached: true,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    stripFinalNewline: false,
  });
  let stdoutTail = '';
  let stderrTail = '';
  let outputTail = '';
  subprocess.stdout?.setEncoding('utf8');
  subprocess.stderr?.setEncoding('utf8');
  subprocess.stdout?.on('data', (chunk: string) => {
    options.log.write('stdout', chunk);
    stdoutTail = keepTail(stdoutTail + chunk, keep);
    if (keepOutput > 0) outputTail = keepTail(outputTail + chunk, keepOutput);
  });
  subprocess.stderr?.on('data', (chunk: string) => {
    options.log.write('stderr', chunk);
    stderrTail = keepTail(stderrTail + chunk, 8 * 1024);
    if (keepOutput > 0) outputTail = keepTail(outputTail + chunk, keepOutput);
  });

  const stopGroup = () => killGroup(subprocess.pid);
  options.signal.addEventListener('abort', stopGroup, { once: true });
  if (options.signal.aborted) stopGroup();
  try {
    const result = await subprocess;
    return {
      exitCode: result.exitCode,
      signal: result.signal,
      stdoutTail,
      stderrTail,
      outputTail,
    };
  } finally {
    options.signal.removeEventListener('abort', stopGroup);
    // A shell's background children may outlive it; they belong to the step, so they go too.
    signalGroup(subprocess.pid, 'SIGKILL');
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  signalGroup(pid, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
  timer.unref();
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function keepTail(text: string, limit: number): string {
  return text.length > limit ? text.slice(text.length - limit) : text;
}
