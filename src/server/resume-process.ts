// Starts `mia workflow resume` in a process of its own and answers only once the outcome is known:
// the process holds the run and has recorded `workflow.resumed`, or it ended and said why.

import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getEventsPath } from '../store/paths.js';
import { ApiFailure } from './http.js';
import type { ResumeStarted } from './protocol.js';

/** The `mia` binary of this package (two levels above src/server or dist/server). */
export const MIA_BIN = fileURLToPath(new URL('../../bin/mia.js', import.meta.url));

/** How often the run's log is read for the resume's first event. */
const POLL_MS = 25;
/** The most stderr of a resume that failed to start is read back, to say why. */
const MAX_STDERR_BYTES = 64 * 1024;

export interface ResumeProcessOptions {
  yes: boolean;
  /** How long the process may take to hold the run before the answer is an error. */
  startTimeoutMs: number;
}

/**
 * Spawns the resume detached (it goes on whatever happens to the server) with its stderr in an
 * unlinked temp file, then waits until its `workflow.resumed` (carrying its pid) is in the run's
 * log: 202. If it ends first: 409 when another process holds the run or it was complete,
 * 422 with the definition's problems, else 500 with what it printed. The reason is never lost.
 */
export async function startResumeProcess(
  workspace: string,
  runId: string,
  options: ResumeProcessOptions,
): Promise<ResumeStarted> {
  const eventsPath = getEventsPath(workspace, runId);
  const offset = (await readSize(eventsPath)) ?? 0;
  const stderrPath = join(tmpdir(), `mia-resume-${process.pid}-${Date.now()}-${Math.random()}.err`);
  const stderrFd = openSync(stderrPath, 'w+');
  unlinkSync(stderrPath);
  try {
    const args = [MIA_BIN, 'workflow', 'resume', runId, '-C', workspace];
    const child = spawn(process.execPath, [...args, ...(options.yes ? ['--yes'] : [])], {
      cwd: workspace,
      detached: true,
      stdio: ['ignore', 'ignore', stderrFd],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let exitCode: number | null | undefined;
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? 128 : null);
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.unref();
    const pid = child.pid ?? 0;
    const deadline = Date.now() + options.startTimeoutMs;
    for (;;) {
      // Read the log before looking at the exit: a resume that already finished did resume.
      if (await hasResumed(eventsPath, offset, pid)) return { runId, pid };
      if (exitCode !== undefined) throw explainExit(runId, exitCode, readBack(stderrFd));
      if (Date.now() > deadline) {
        throw new ApiFailure(
          500,
          'MIA_SERVER_RESUME_SLOW',
          `The resume of run ${runId} (process ${pid}) did not take the run within ${options.startTimeoutMs}ms.`,
          `It may still start: watch mia workflow status ${runId}.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    closeSync(stderrFd);
  }
}

/** Turns how a resume that never held the run ended into the answer that says why. */
function explainExit(runId: string, exitCode: number | null, stderr: string): ApiFailure {
  const problems = readDefinitionProblems(stderr);
  if (problems.length > 0) {
    const failure = new ApiFailure(
      422,
      'MIA_DEFINITION_INVALID',
      `Run ${runId} cannot resume: its workflow definition has ${problems.length} problem${problems.length === 1 ? '' : 's'}.`,
      'Fix the lines listed in `problems`, then resume again (mia workflow validate checks them).',
    );
    failure.problems = problems;
    return failure;
  }
  const [message, hint] = readError(stderr);
  if (/ is in progress in process \d+/.test(message)) {
    return new ApiFailure(409, 'MIA_SERVER_RUN_LIVE', message, hint);
  }
  if (exitCode === 0) {
    return new ApiFailure(
      409,
      'MIA_SERVER_RUN_COMPLETED',
      `Run ${runId} already completed; there is nothing to resume.`,
      `To run steps again: mia workflow resume ${runId} --from <step>`,
    );
  }
  return new ApiFailure(
    500,
    'MIA_SERVER_RESUME_FAILED',
    `The resume of run ${runId} ended (exit ${exitCode}) before it held the run: ${message || 'it printed nothing'}`,
    hint,
  );
}

/** The `file:line:col: message` lines a DefinitionError prints under its first line. */
function readDefinitionProblems(stderr: string): string[] {
  const lines = stderr.split('\n');
  const at = lines.findIndex((line) => /^\d+ problems? in the workflow definition:$/.test(line));
  if (at < 0) return [];
  const end = lines.findIndex(
    (line, index) => index > at && line.startsWith('Fix the lines above'),
  );
  return lines.slice(at + 1, end < 0 ? undefined : end).filter((line) => line.trim() !== '');
}

/** The CLI's `error: <message>` line and the hint line after it. */
function readError(stderr: string): [string, string | undefined] {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '');
  const at = lines.findIndex((line) => line.startsWith('error: '));
  if (at < 0) return [lines.join(' ').slice(0, 2000), undefined];
  return [lines[at]?.slice('error: '.length) ?? '', lines[at + 1]];
}

/** Whether the log holds, after `offset`, the `workflow.resumed` of process `pid`. */
async function hasResumed(path: string, offset: number, pid: number): Promise<boolean> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const { size } = await handle.stat();
    // A torn last line repaired by the resume leaves the log shorter than it was: read it all.
    const start = size < offset ? 0 : offset;
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    for (const line of buffer.toString('utf8').split('\n')) {
      if (!line.includes('"workflow.resumed"')) continue;
      try {
        const event = JSON.parse(line) as { type?: string; payload?: { pid?: number } };
        if (event.type === 'workflow.resumed' && event.payload?.pid === pid) return true;
      } catch {
        // A line still being written: read again on the next poll.
      }
    }
    return false;
  } finally {
    await handle.close();
  }
}

async function readSize(path: string): Promise<number | undefined> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}

function readBack(fd: number): string {
  const buffer = Buffer.alloc(MAX_STDERR_BYTES);
  const bytes = readSync(fd, buffer, 0, buffer.length, 0);
  return buffer.subarray(0, bytes).toString('utf8');
}
