// Runs a command as its own process group, streams its output, and kills the whole tree on abort.

import { type ChildProcess, spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { KILL_GRACE_MS } from '../../util/processes.js';
import type { StepLog } from '../types.js';

/** The most bytes Linux takes in one argument or one `NAME=value` (MAX_ARG_STRLEN, its NUL included). */
const MAX_ARG_BYTES = 128 * 1024;

export interface ProcessOptions {
  cwd: string;
  env: Record<string, string>;
  signal: AbortSignal;
  log: StepLog;
  /** How much of stdout to keep for the step's outputs. */
  keepStdoutBytes?: number;
  /** How much of stdout and stderr together, in arrival order, to keep (none by default). */
  keepOutputBytes?: number;
  /** What the process reads on stdin (a program for `node -`); without it, stdin is closed. */
  input?: string;
}

export interface ProcessResult {
  exitCode: number | undefined;
  signal: string | undefined;
  /** Why the process could not be started (ENOENT, EACCES, a missing cwd); then it never ran. */
  startError: Error | undefined;
  stdoutTail: string;
  stderrTail: string;
  /** The end of stdout and stderr interleaved as they arrived; empty unless `keepOutputBytes` is set. */
  outputTail: string;
}

type Ending = Pick<ProcessResult, 'exitCode' | 'signal' | 'startError'>;

/**
 * Runs `file args` in a new process group. On abort, the group gets SIGTERM, then SIGKILL after
 * a grace period, so children of a shell die with it. Resolves once the process has exited and
 * its output has ended; never rejects.
 */
export async function runProcessGroup(
  file: string,
  args: string[],
  options: ProcessOptions,
): Promise<ProcessResult> {
  const keep = options.keepStdoutBytes ?? 64 * 1024;
  const keepOutput = options.keepOutputBytes ?? 0;
  // child_process directly: execa's option handling and stream plumbing cost ~1.5 ms a spawn.
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    // Refused before any process exists (a NUL byte in an argument or a variable, say).
    const startError = explainStartError(error, args, options.env);
    return {
      exitCode: undefined,
      signal: undefined,
      startError,
      stdoutTail: '',
      stderrTail: '',
      outputTail: '',
    };
  }
  const ended = waitForEnd(child, args, options.env);
  if (options.input !== undefined) {
    // A process that exits before reading it all closes the pipe: that is its own business.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input);
  }
  let stdoutTail = '';
  let stderrTail = '';
  let outputTail = '';
  // The log gets the bytes as they come (kept exact in the step's log file); the tails, text.
  const stdoutText = new StringDecoder('utf8');
  const stderrText = new StringDecoder('utf8');
  child.stdout?.on('data', (bytes: Buffer) => {
    options.log.write('stdout', bytes);
    const chunk = stdoutText.write(bytes);
    stdoutTail = keepTail(stdoutTail + chunk, keep);
    if (keepOutput > 0) outputTail = keepTail(outputTail + chunk, keepOutput);
  });
  child.stderr?.on('data', (bytes: Buffer) => {
    options.log.write('stderr', bytes);
    const chunk = stderrText.write(bytes);
    stderrTail = keepTail(stderrTail + chunk, 8 * 1024);
    if (keepOutput > 0) outputTail = keepTail(outputTail + chunk, keepOutput);
  });

  let killTimer: NodeJS.Timeout | undefined;
  const stopGroup = () => {
    killTimer = killGroup(child.pid);
  };
  options.signal.addEventListener('abort', stopGroup, { once: true });
  if (options.signal.aborted) stopGroup();
  try {
    return { ...(await ended), stdoutTail, stderrTail, outputTail };
  } finally {
    options.signal.removeEventListener('abort', stopGroup);
    // The group is killed now: a later SIGKILL could hit another group that reused its id.
    clearTimeout(killTimer);
    // A shell's background children may outlive it; they belong to the step, so they go too.
    signalGroup(child.pid, 'SIGKILL');
  }
}

/** Says how a process ended, for an error message: "exited with 3", "was killed by SIGTERM". */
export function describeEnding(ending: Ending): string {
  if (ending.startError) return `could not be started (${ending.startError.message})`;
  if (ending.exitCode === undefined) return `was killed by ${ending.signal}`;
  return `exited with ${ending.exitCode}`;
}

/** Resolves when the child has exited and closed its output, or at once if it could not start. */
function waitForEnd(
  child: ChildProcess,
  args: string[],
  env: Record<string, string>,
): Promise<Ending> {
  return new Promise((resolve) => {
    child.on('error', (error) => {
      // Once started, the child ends with 'close'; an error before that means it never ran.
      if (child.pid === undefined) {
        resolve({
          exitCode: undefined,
          signal: undefined,
          startError: explainStartError(error, args, env),
        });
      }
    });
    child.on('close', (code, signal) => {
      resolve({ exitCode: code ?? undefined, signal: signal ?? undefined, startError: undefined });
    });
  });
}

/**
 * The error a spawn was refused with; E2BIG (an argument, such as a script, or a variable longer
 * than the system takes) says which one and how long it is, since its own message does not.
 */
function explainStartError(error: unknown, args: string[], env: Record<string, string>): Error {
  const startError = error instanceof Error ? error : new Error(String(error));
  if ((startError as NodeJS.ErrnoException).code !== 'E2BIG') return startError;
  const sizes = [
    ...args.map((arg, index) => ({ what: `argument ${index + 1}`, bytes: Buffer.byteLength(arg) })),
    ...Object.entries(env).map(([name, value]) => ({
      what: `variable ${name}`,
      bytes: Buffer.byteLength(`${name}=${value}`),
    })),
  ];
  const longest = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a), { what: '', bytes: 0 });
  const kib = (bytes: number) => `${Math.ceil(bytes / 1024)} KiB`;
  const why =
    longest.bytes >= MAX_ARG_BYTES
      ? `its ${longest.what} takes ${kib(longest.bytes)}, more than the ${kib(MAX_ARG_BYTES)} the system takes in one`
      : `its arguments and environment take ${kib(sizes.reduce((sum, size) => sum + size.bytes, 0))}, more than the system takes in all`;
  const explained = new Error(`${startError.message}: ${why}`);
  Object.assign(explained, { code: 'E2BIG' });
  return explained;
}

/** SIGTERM to the group now, SIGKILL after the grace period (the timer, to cancel it early). */
function killGroup(pid: number | undefined): NodeJS.Timeout | undefined {
  if (pid === undefined) return undefined;
  signalGroup(pid, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
  timer.unref();
  return timer;
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
