// Runs one benchmark trial in a fresh Node process and reads the JSON it reports.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const TRIALS_DIR = fileURLToPath(new URL('../trials/', import.meta.url));

/**
 * Spawns `node bench/trials/<trial>.mjs ...args` and resolves to the JSON object printed as the
 * last line of its stdout. Rejects with its stderr when it exits with an error.
 */
export function runTrial(trial, args = [], { nodeArgs = [], cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, `${TRIALS_DIR}${trial}.mjs`, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0) {
        reject(new Error(`trial ${trial} ${args.join(' ')} exited with ${code}:\n${stderr}`));
        return;
      }
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`trial ${trial} printed no JSON result:\n${stdout}\n${stderr}`));
      }
    });
  });
}

/** Prints a trial's result for the parent process (the last stdout line). */
export function report(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
