// What matters comes first on the page, at 1400×900 without scrolling: a failing run's tension
// (what failed, why, what to do) and its failing step; a waiting gate's question and buttons, with
// the steps done before it (the steps to come sum up in a line). And every run reads on the page
// as the run view says, the same as on every other surface (test/view/surfaces.test.ts).

import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMia } from '../helpers/cli.js';
import { isEvent, startLiveRun } from '../helpers/live-run.js';
import { RUN_CASES, writeRunCases } from '../helpers/run-cases.js';
import { parseRunId } from '../helpers/run-files.js';
import { openPage, saveScreenshot, useDashboardSuite } from './dashboard-page.js';

const VIEWPORT = { width: 1400, height: 900 };
const POLL = { timeout: 20_000, interval: 100 };

/** Five lanes of ten steps; the fourth step of the third lane fails, so its lane is passed by. */
function writeFiftySteps(): string {
  const lines = ['name: fifty', 'narrative: "Fifty steps carry a release to production"', 'steps:'];
  for (let lane = 1; lane <= 5; lane++) {
    for (let step = 1; step <= 10; step++) {
      const id = `l${lane}-s${String(step).padStart(2, '0')}`;
      const after =
        step > 1 ? `, depends_on: [l${lane}-s${String(step - 1).padStart(2, '0')}]` : '';
      const run =
        id === 'l3-s04' ? `echo 'error: type mismatch in src/app.ts' >&2; exit 3` : `echo ${id}`;
      lines.push(
        `  - { id: ${id}, action: shell, beat: "Step ${id} holds"${after}, with: { run: "${run}" } }`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Three steps, the third a gate, then forty-seven steps waiting on it. */
function writeGatedFifty(): string {
  const lines = [
    'name: decided',
    'narrative: "Fifty steps wait for one decision"',
    'steps:',
    '  - { id: build, action: shell, beat: "The build stands", with: { run: "echo built" } }',
    '  - { id: test, action: shell, depends_on: [build], beat: "The tests pass", with: { run: "echo tested" } }',
    '  - { id: ship, action: approve, depends_on: [test], beat: "The release is approved", with: { prompt: "Ship release 4.2 to production?" } }',
  ];
  for (let step = 4; step <= 50; step++) {
    const before = step === 4 ? 'ship' : `after-${step - 1}`;
    lines.push(
      `  - { id: after-${step}, action: shell, depends_on: [${before}], with: { run: "echo ${step}" } }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Whether the element lies wholly inside the viewport as the page stands (not scrolled). */
async function expectInSight(element: Locator, what: string): Promise<void> {
  const box = await element.boundingBox();
  expect(box, `${what} is on the page`).not.toBeNull();
  if (!box) return;
  expect(box.x, `${what}: left edge`).toBeGreaterThanOrEqual(0);
  expect(box.y, `${what}: top edge`).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, `${what}: right edge`).toBeLessThanOrEqual(VIEWPORT.width);
  expect(box.y + box.height, `${what}: bottom edge`).toBeLessThanOrEqual(VIEWPORT.height);
}

async function expectNotScrolled(page: Page): Promise<void> {
  expect(await page.evaluate(() => (globalThis as unknown as { scrollY: number }).scrollY)).toBe(0);
}

describe('the page puts what matters first', () => {
  const suite = useDashboardSuite({ fifty: writeFiftySteps(), decided: writeGatedFifty() });
  let releaseCases: () => Promise<void>;

  beforeAll(async () => {
    releaseCases = await writeRunCases(suite.workspace);
  });

  afterAll(async () => {
    await releaseCases?.();
  });

  it('shows a failing run of 50 steps with its tension and its failing step, without scrolling', async () => {
    const result = await runMia(['workflow', 'run', 'fifty'], { cwd: suite.workspace });
    expect(result.exitCode, result.stderr).toBe(1);
    const runId = parseRunId(result.stdout);
    const { page, errors } = await openPage(suite.browser, suite.dashboard.url, {
      viewport: VIEWPORT,
    });
    await page.getByTestId(`run-${runId}`).click();
    const failing = page.locator('[data-testid="step-l3-s04"][data-status="failed"]');
    await failing.waitFor(POLL);
    const tension = page.getByTestId('tension-l3-s04');
    await expect.poll(() => tension.textContent(), POLL).toContain('type mismatch');
    // What failed, why, and what to do.
    await expectInSight(tension.locator('.tension-head'), 'what failed');
    await expectInSight(tension.locator('.tension-error'), 'why it failed');
    await expectInSight(tension.locator('.tension-hint'), 'what to do');
    expect(await tension.locator('.tension-hint').textContent()).toContain('resume');
    await expectInSight(failing, 'the failing step');
    // The steps done just before it stay in sight too.
    await expectInSight(page.getByTestId('step-l3-s03'), 'the step done before it');
    await expectInSight(page.getByTestId('resume'), 'the resume button');
    await expectNotScrolled(page);
    await saveScreenshot(page, 'what-matters-failing-fifty', { isViewportOnly: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows a waiting gate's question and buttons, and the steps done before it, above 47 steps to come", async () => {
    const run = startLiveRun(['workflow', 'run', 'decided'], { cwd: suite.workspace });
    await run.waitForEvents(isEvent('workflow.step.waiting', 'ship'));
    const runId = run.runId()!;
    const { page, errors } = await openPage(suite.browser, suite.dashboard.url, {
      viewport: VIEWPORT,
    });
    await page.getByTestId(`run-${runId}`).click();
    const question = page.getByTestId('gate-ship');
    await expect
      .poll(() => question.textContent(), POLL)
      .toBe(
        `Waits at ship: Ship release 4.2 to production? · from a terminal: mia workflow approve ${runId} ship`,
      );
    await expectInSight(question, "the gate's question");
    await expectInSight(page.getByTestId('approve-ship'), 'the approve button');
    await expectInSight(page.getByTestId('reject-ship'), 'the reject button');
    await expectInSight(page.getByTestId('step-ship'), 'the waiting step');
    await expectInSight(page.getByTestId('step-test'), 'a step done before the gate');
    await expectInSight(page.getByTestId('step-build'), 'the first step done');
    const pending = page.getByTestId('pending-steps');
    expect(await pending.textContent()).toContain('47 steps not started yet');
    await expectInSight(pending, 'the steps to come, in one line');
    await expectNotScrolled(page);
    await saveScreenshot(page, 'what-matters-gate-before-47', { isViewportOnly: true });

    await page.getByTestId('approve-ship').click();
    const result = await run.child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    await expect.poll(() => page.getByTestId('progress').textContent(), POLL).toBe('STC: 50/50');
    expect(await page.getByTestId('step-after-50').getAttribute('data-status')).toBe('completed');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows every kind of run as the run view tells it to every other surface', async () => {
    const { page, errors } = await openPage(suite.browser, suite.dashboard.url, {
      viewport: VIEWPORT,
    });
    for (const run of RUN_CASES) {
      await page.getByTestId(`run-${run.runId}`).click();
      await expect.poll(() => page.locator('#run-meta').textContent(), POLL).toContain(run.runId);
      await expect
        .poll(() => page.getByTestId('progress').textContent(), POLL)
        .toBe(`STC: ${run.shown.progress}`);
      await expect
        .poll(() => page.getByTestId('reality').textContent(), POLL)
        .toBe(run.shown.reality);
      expect(await page.locator('#run-status').textContent(), run.name).toBe(run.shown.status);
      for (const [stepId, status] of Object.entries(run.shown.steps)) {
        expect(
          await page.getByTestId(`step-${stepId}`).getAttribute('data-status'),
          `${run.name}: ${stepId}`,
        ).toBe(status);
      }
      const open = await page
        .locator('.tension[data-resolved="false"]')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-testid')));
      expect(open, run.name).toEqual(run.shown.openTensions.map((id) => `tension-${id}`));
      const gates = await page.locator('.gate-what').allTextContents();
      expect(gates, run.name).toEqual(
        run.shown.gateCommands.map((command) => expect.stringContaining(command)),
      );
    }
    await saveScreenshot(page, 'what-matters-last-case');
    expect(errors).toEqual([]);
    await page.close();
  });
});
