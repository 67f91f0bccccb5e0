// The facts a beat weaves in: what a step's outputs say happened, in a few words, each with the
// universe it speaks for (test counts for the engineer, approvals for the ceremony, merges for the story).

import type { Universe } from '../definition/types.js';
import { formatDuration } from '../util/duration.js';

type Outputs = Record<string, unknown>;

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value ? value : undefined;
const list = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
const shortSha = (value: unknown): string | undefined => str(value)?.slice(0, 7);

/** One fact; `universe` undefined: it speaks for the step's own universe. */
export interface Fact {
  text: string;
  universe: Universe | undefined;
}

const FACTS: Record<string, { universe?: Universe; describe(outputs: Outputs): string[] }> = {
  'run-tests': {
    universe: 'engineer',
    describe(o) {
      const passed = num(o.passed);
      const failed = num(o.failed);
      const skipped = num(o.skipped);
      const where = describeChecked(o);
      if (passed === undefined && failed === undefined) return where ? [`tested ${where}`] : [];
      const parts = [`${passed ?? 0} ${passed === 1 ? 'test' : 'tests'} passed`];
      if (failed) parts.push(`${failed} failed`);
      if (skipped) parts.push(`${skipped} skipped`);
      return [`${parts.join(', ')}${where ? ` on ${where}` : ''}`];
    },
  },
  'schema-validate': {
    universe: 'engineer',
    describe(o) {
      const files = num(o.files);
      if (files === undefined) return [];
      const kinds = Array.isArray(o.against)
        ? (o.against as Outputs[])
            .filter((each) => str(each.what) && num(each.files))
            .map((each) => `${each.files} ${each.what}${each.files === 1 ? '' : 's'}`)
        : [];
      const where = describeChecked(o);
      const held = files === 1 ? '1 file holds its shape' : `${files} files hold their shape`;
      return [
        `${held}${kinds.length > 0 ? ` (${kinds.join(', ')})` : ''}${where ? ` on ${where}` : ''}`,
      ];
    },
  },
  'merge-pr': {
    universe: 'story',
    describe(o) {
      const sha = shortSha(o.sha);
      const what =
        str(o.branch) && str(o.into) ? `${o.branch} into ${o.into}` : o.pr ? `PR #${o.pr}` : '';
      // A tested commit already on `into` may have landed by this very step before a crash.
      if (o.alreadyMerged && o.tested === true && sha && str(o.into))
        return [`${o.into} already held the tested commit ${sha}`];
      if (o.alreadyMerged)
        return [`${what || 'the change'} was already merged${sha ? ` (${sha})` : ''}`];
      if (o.tested === true && sha) return [`${what} landed as the tested commit ${sha}`];
      return sha ? [`${what ? `${what} ` : ''}merged as ${sha}`] : [];
    },
  },
  'request-review': {
    universe: 'ceremony',
    describe(o) {
      const approvedBy = str(o.approvedBy) ?? (o.approved === true ? str(o.by) : undefined);
      const reviewers = list(o.reviewers);
      const facts: string[] = [];
      if (reviewers.length > 0) facts.push(`reviewers: ${reviewers.join(', ')}`);
      if (approvedBy)
        facts.push(`approved by ${approvedBy}${o.automatic ? ' (automatically)' : ''}`);
      return facts;
    },
  },
  approve: {
    universe: 'ceremony',
    describe: (o) =>
      str(o.by) ? [`approved by ${o.by}${o.automatic ? ' (automatically)' : ''}`] : [],
  },
  workflow: {
    universe: 'story',
    describe: (o) => (str(o.workflow) ? [`chapter "${o.workflow}" told in run ${o.runId}`] : []),
  },
  wait: {
    describe: (o) =>
      num(o.waitedMs) === undefined ? [] : [`waited ${formatDuration(num(o.waitedMs) ?? 0)}`],
  },
};

/** `feature merged into main (a1b2c3d)` or `v1.0.0 (a1b2c3d)`: what a check ran on, when not the workspace. */
function describeChecked(o: Outputs): string | undefined {
  const sha = shortSha(o.sha);
  if (sha === undefined) return undefined;
  if (str(o.branch) && str(o.into)) {
    return o.alreadyMerged === true
      ? `${o.into} (${sha}), which holds ${o.branch} already`
      : `${o.branch} merged into ${o.into} (${sha})`;
  }
  if (str(o.ref) === undefined) return undefined;
  return String(o.sha).startsWith(String(o.ref)) ? `commit ${sha}` : `${o.ref} (${sha})`;
}

/** Facts about a completed step, from its action's outputs (none for actions without any). */
export function describeOutputFacts(action: string, outputs: Outputs): Fact[] {
  const facts = FACTS[action];
  if (!facts) return [];
  return facts.describe(outputs).map((text) => ({ text, universe: facts.universe }));
}

/** `test (feature moved since the check: a1b2c3d → d4e5f6a)`: why a resume ran completed steps again. */
export function describeOutdated(outdated: Record<string, string> | undefined): string {
  return Object.entries(outdated ?? {})
    .map(([stepId, reason]) => `${stepId} (${reason})`)
    .join('; ');
}
