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
      if (passed === undefined && failed === undefined) return [];
      const parts = [`${passed ?? 0} ${passed === 1 ? 'test' : 'tests'} passed`];
      if (failed) parts.push(`${failed} failed`);
      if (skipped) parts.push(`${skipped} skipped`);
      return [parts.join(', ')];
    },
  },
  'schema-validate': {
    universe: 'engineer',
    describe(o) {
      const files = num(o.files);
      if (files === undefined) return [];
      return [files === 1 ? '1 file holds its shape' : `${files} files hold their shape`];
    },
  },
  'merge-pr': {
    universe: 'story',
    describe(o) {
      const sha = shortSha(o.sha);
      const what =
        str(o.branch) && str(o.into) ? `${o.branch} into ${o.into}` : o.pr ? `PR #${o.pr}` : '';
      if (o.alreadyMerged)
        return [`${what || 'the change'} was already merged${sha ? ` (${sha})` : ''}`];
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

/** Facts about a completed step, from its action's outputs (none for actions without any). */
export function describeOutputFacts(action: string, outputs: Outputs): Fact[] {
  const facts = FACTS[action];
  if (!facts) return [];
  return facts.describe(outputs).map((text) => ({ text, universe: facts.universe }));
}
