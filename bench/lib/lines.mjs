// Line-based JSON messages between a benchmark process and the scripts it starts.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Starts `node <script> ...args`. `next(type)` resolves to its next stdout message of that type
 * (a JSON line with a `type`); `send(message)` writes one to its stdin.
 */
export function startScript(script, args = []) {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const queue = [];
  const waiters = [];
  let exitError;
  createInterface({ input: child.stdout }).on('line', (line) => {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      return;
    }
    const index = waiters.findIndex((w) => w.type === message.type);
    if (index >= 0) waiters.splice(index, 1)[0].resolve(message);
    else queue.push(message);
  });
  child.on('exit', (code, signal) => {
    exitError = new Error(`${script} exited (${code ?? signal})`);
    for (const waiter of waiters.splice(0)) waiter.reject(exitError);
  });
  return {
    child,
    next(type) {
      const index = queue.findIndex((m) => m.type === type);
      if (index >= 0) return Promise.resolve(queue.splice(index, 1)[0]);
      if (exitError) return Promise.reject(exitError);
      return new Promise((resolve, reject) => waiters.push({ type, resolve, reject }));
    },
    send(message) {
      child.stdin.write(`${JSON.stringify(message)}\n`);
    },
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}

/** In a started script: the messages of the parent (stdin), by type. */
export function createInbox() {
  const queue = [];
  const waiters = [];
  createInterface({ input: process.stdin }).on('line', (line) => {
    const message = JSON.parse(line);
    const index = waiters.findIndex((w) => w.type === message.type);
    if (index >= 0) waiters.splice(index, 1)[0].resolve(message);
    else queue.push(message);
  });
  return {
    next(type) {
      const index = queue.findIndex((m) => m.type === type);
      if (index >= 0) return Promise.resolve(queue.splice(index, 1)[0]);
      return new Promise((resolve) => waiters.push({ type, resolve }));
    },
  };
}

/**
 * Milliseconds of the system's monotonic clock: the same clock in every process of the machine,
 * so that a time taken in one process can be compared with a time taken in another.
 */
export function readMonotonicMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** In a started script: tells the parent something (stdout). */
export function say(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** The CPU time (user + system) this process used since `since` (a process.cpuUsage()), in ms. */
export function readCpuMs(since) {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
}
