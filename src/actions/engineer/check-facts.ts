// What the checking actions (run-tests, schema-validate) tell the narrative: counts, and the
// commit they checked when it was not the workspace as it is.

import { readCount, readShortSha, readText } from '../output-facts.js';
import type { OutputFact } from '../types.js';
import { describeCounts } from './workspace-structures.js';

type Outputs = Record<string, unknown>;

/** `12 tests passed, 1 failed on feature merged into main (a1b2c3d)`, or `tested …` without counts. */
export function describeTestRun(outputs: Outputs): OutputFact[] {
  const passed = readCount(outputs.passed);
  const failed = readCount(outputs.failed);
  const skipped = readCount(outputs.skipped);
  const where = describeCheckedCommit(outputs);
  const on = where ? ` on ${where}` : '';
  if (passed === undefined && failed === undefined) {
    return where ? [{ text: `tested ${where}`, universe: 'engineer' }] : [];
  }
  const parts = [`${passed ?? 0} ${passed === 1 ? 'test' : 'tests'} passed`];
  if (failed) parts.push(`${failed} failed`);
  if (skipped) parts.push(`${skipped} skipped`);
  return [{ text: `${parts.join(', ')}${on}`, universe: 'engineer' }];
}

/** `3 files hold their shape (2 workflows, 1 STC chart) on commit a1b2c3d`. */
export function describeSchemaCheck(outputs: Outputs): OutputFact[] {
  const files = readCount(outputs.files);
  if (files === undefined) return [];
  const against = Array.isArray(outputs.against) ? (outputs.against as unknown[]) : [];
  const kinds = describeCounts(
    against.flatMap((each) => {
      const entry = each !== null && typeof each === 'object' ? (each as Outputs) : {};
      const what = readText(entry.what);
      const count = readCount(entry.files);
      return what === undefined || count === undefined ? [] : [{ what, files: count }];
    }),
  );
  const where = describeCheckedCommit(outputs);
  const held = files === 1 ? '1 file holds its shape' : `${files} files hold their shape`;
  const text = `${held}${kinds ? ` (${kinds})` : ''}${where ? ` on ${where}` : ''}`;
  return [{ text, universe: 'engineer' }];
}

/** `feature merged into main (a1b2c3d)` or `v1.0.0 (a1b2c3d)`: what a check ran on, when not the workspace. */
function describeCheckedCommit(outputs: Outputs): string | undefined {
  const sha = readShortSha(outputs.sha);
  if (sha === undefined) return undefined;
  const branch = readText(outputs.branch);
  const into = readText(outputs.into);
  if (branch && into) {
    return outputs.alreadyMerged === true
      ? `${into} (${sha}), which holds ${branch} already`
      : `${branch} merged into ${into} (${sha})`;
  }
  const ref = readText(outputs.ref);
  if (ref === undefined) return undefined;
  return String(outputs.sha).startsWith(ref) ? `commit ${sha}` : `${ref} (${sha})`;
}
