// The contract every action adapter keeps; each adapter's test file calls it with its own cases.

import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { ActionAdapter, ActionContext, OutputFact } from '../../src/actions/types.js';
import { UNIVERSES } from '../../src/definition/types.js';
import { createTestContext } from '../helpers/action-context.js';

export interface ContractRun {
  with: Record<string, unknown>;
  /** Prepares the workdir (files, a git repository, …) before the run. */
  setup?: (workdir: string) => Promise<void>;
  context?: Partial<ActionContext>;
}

export interface ActionContractCase {
  adapter: ActionAdapter;
  /** Parameters the adapter's schema must accept. */
  validWith: Record<string, unknown>[];
  /** Parameters the adapter's schema must refuse. */
  invalidWith: Record<string, unknown>[];
  /** A run that succeeds. */
  success: ContractRun;
  /** A run that fails: it must reject with an Error that has a message. */
  failure?: ContractRun;
  /** A long run: once its signal is aborted it must settle promptly, rejecting. */
  abortable?: ContractRun;
}

/** Outputs a step may hold that its action did not make: an old log, a failed step, a hand-edited run. */
const ODD_VALUES: unknown[] = [
  null,
  0,
  -1,
  Number.NaN,
  '',
  'text',
  true,
  [],
  [null, 1],
  {},
  { a: {} },
];
const ODD_KEYS = [
  'exitCode',
  'passed',
  'failed',
  'skipped',
  'files',
  'against',
  'sha',
  'ref',
  'branch',
  'into',
  'alreadyMerged',
  'tested',
  'pr',
  'by',
  'approved',
  'approvedBy',
  'automatic',
  'reviewers',
  'workflow',
  'runId',
  'waitedMs',
];
const ODD_OUTPUTS: Array<Record<string, unknown>> = [
  {},
  ...ODD_VALUES.map((value) => Object.fromEntries(ODD_KEYS.map((key) => [key, value]))),
];

/** A fact is a non-empty string, or a text with a known universe. */
function expectFact(fact: OutputFact | string): void {
  const text = typeof fact === 'string' ? fact : fact.text;
  expect(typeof text).toBe('string');
  expect(text.length).toBeGreaterThan(0);
  if (typeof fact !== 'string' && fact.universe !== undefined) {
    expect(UNIVERSES).toContain(fact.universe);
  }
}

/** Registers the shared contract tests for one adapter. */
export function describeActionContract(c: ActionContractCase): void {
  describe(`the "${c.adapter.name}" action keeps the adapter contract`, () => {
    it('has a kebab-case name, at least one known universe and a description', () => {
      expect(c.adapter.name).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(c.adapter.universes.length).toBeGreaterThan(0);
      for (const universe of c.adapter.universes) expect(UNIVERSES).toContain(universe);
      expect(c.adapter.description).toBeTruthy();
    });

    it('has a with schema that accepts the valid cases and refuses the invalid ones', () => {
      expect(c.adapter.schema).toBeDefined();
      const validate = new Ajv2020({ allErrors: true, strict: false }).compile(
        c.adapter.schema ?? {},
      );
      for (const value of c.validWith) expect(validate(value), JSON.stringify(value)).toBe(true);
      for (const value of c.invalidWith) expect(validate(value), JSON.stringify(value)).toBe(false);
    });

    it('returns plain, JSON-serializable outputs when it succeeds', async () => {
      const ctx = await createTestContext({ with: c.success.with, ...c.success.context });
      await c.success.setup?.(ctx.workdir);
      const result = await c.adapter.run(ctx);
      const outputs = result?.outputs ?? {};
      expect(
        Object.getPrototypeOf(outputs) === Object.prototype ||
          Object.getPrototypeOf(outputs) === null,
      ).toBe(true);
      expect(JSON.parse(JSON.stringify(outputs))).toEqual(outputs);
    });

    const describe = c.adapter.describeOutputs?.bind(c.adapter);
    if (describe) {
      it('describes the outputs of its real run in facts of words', async () => {
        const ctx = await createTestContext({ with: c.success.with, ...c.success.context });
        await c.success.setup?.(ctx.workdir);
        const outputs = (await c.adapter.run(ctx))?.outputs ?? {};
        const facts = describe(outputs);
        expect(facts.length).toBeGreaterThan(0);
        for (const fact of facts) expectFact(fact);
      });

      it('never throws on missing or odd outputs, and tells no fact it cannot read', () => {
        for (const outputs of ODD_OUTPUTS) {
          const facts = describe(outputs);
          expect(Array.isArray(facts), JSON.stringify(outputs)).toBe(true);
          for (const fact of facts) expectFact(fact);
          const texts = facts.map((fact) => (typeof fact === 'string' ? fact : fact.text));
          for (const text of texts)
            expect(text, JSON.stringify(outputs)).not.toMatch(/undefined|\[object/);
        }
      });
    }

    if (c.failure) {
      const failure = c.failure;
      it('rejects with an Error that says what went wrong when it fails', async () => {
        const ctx = await createTestContext({ with: failure.with, ...failure.context });
        await failure.setup?.(ctx.workdir);
        const error = await c.adapter.run(ctx).then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message.length).toBeGreaterThan(0);
      });
    }

    if (c.abortable) {
      const abortable = c.abortable;
      it('stops and rejects when its signal is aborted', async () => {
        const controller = new AbortController();
        const ctx = await createTestContext({
          with: abortable.with,
          ...abortable.context,
          signal: controller.signal,
        });
        await abortable.setup?.(ctx.workdir);
        const running = c.adapter.run(ctx);
        setTimeout(() => controller.abort(new Error('stopped by the test')), 100);
        await expect(running).rejects.toBeDefined();
      });
    }
  });
}
