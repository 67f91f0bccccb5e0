// Answering a gate from the dashboard in a real browser: approve releases the run, reject asks
// for a reason and fails the run with it.

import { describe, expect, it } from 'vitest';
import { isEvent, startLiveRun } from '../helpers/live-run.js';
import { openPage, saveScreenshot, useDashboardSuite } from './dashboard-page.js';

const GATED = `name: gated
narrative: "A person decides when it ships"
steps:
  - id: build
    action: shell
    beat: "The build stands"
    with: { run: "echo built" }
  - id: ship
    action: approve
    depends_on: [build]
    beat: "The release is approved"
    with: { prompt: "Ship it?" }
  - id: after
    action: shell
    depends_on: [ship]
    beat: "The release goes out"
    with: { run: "echo shipped" }
`;

const RELEASE = `name: release
narrative: "A release with a chapter that asks"
steps:
  - { id: chapter, action: workflow, with: { workflow: gated } }
`;

const POLL = { timeout: 20_000, interval: 100 };

describe('gates on the dashboard', () => {
  const suite = useDashboardSuite({ gated: GATED, release: RELEASE });

  /** Starts the gated run and opens its page once the run waits at the gate. */
  async function openWaitingRun() {
    const run = startLiveRun(['workflow', 'run', 'gated'], { cwd: suite.workspace });
    await run.waitForEvents(isEvent('workflow.step.waiting', 'ship'));
    const runId = run.runId()!;
    const { page, errors } = await openPage(suite.browser, suite.dashboard.url);
    await page.getByTestId(`run-${runId}`).click();
    await page.locator('[data-testid="step-ship"][data-status="waiting"]').waitFor(POLL);
    return { run, runId, page, errors };
  }

  it('releases a waiting gate when its approve button is pressed (from the keyboard), and the run completes', async () => {
    const { run, runId, page, errors } = await openWaitingRun();
    await saveScreenshot(page, 'gate-waiting');

    const approve = page.getByTestId('approve-ship');
    await approve.focus();
    await page.keyboard.press('Enter');

    const result = await run.child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    await page.locator('[data-testid="step-after"][data-status="completed"]').waitFor(POLL);
    await page.locator(`[data-testid="run-${runId}"][data-status="completed"]`).waitFor(POLL);
    await expect.poll(() => page.getByTestId('progress').textContent(), POLL).toBe('STC: 3/3');
    expect(await approve.count()).toBe(0);
    await saveScreenshot(page, 'gate-approved');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('asks for a reason when reject is pressed, and the run fails with it as a tension', async () => {
    const { run, page, errors } = await openWaitingRun();
    await page.getByTestId('reject-ship').click();
    const dialog = page.locator('#reject-dialog');
    await dialog.waitFor();
    await page.locator('#reject-reason').fill('not this week');
    await saveScreenshot(page, 'gate-reject-dialog');
    await page.getByTestId('reject-confirm').click();

    const result = await run.child;
    expect(result.exitCode).toBe(1);
    const tension = page.getByTestId('tension-ship');
    await expect.poll(() => tension.textContent(), POLL).toContain('not this week');
    await page.locator('[data-testid="step-ship"][data-status="failed"]').waitFor(POLL);
    await page.getByTestId('resume').waitFor(POLL);
    await saveScreenshot(page, 'gate-rejected');
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows a gate inside a chapter on the parent's chapter step, with its command, and approves it", async () => {
    const run = startLiveRun(['workflow', 'run', 'release'], { cwd: suite.workspace });
    await run.waitForEvents(isEvent('workflow.step.waiting', 'chapter'));
    const runId = run.runId()!;
    const { page, errors } = await openPage(suite.browser, suite.dashboard.url);
    await page.getByTestId(`run-${runId}`).click();
    await page.locator('[data-testid="step-chapter"][data-status="waiting"]').waitFor(POLL);
    await expect
      .poll(() => page.getByTestId('gate-chapter').textContent(), POLL)
      .toBe(
        `Waits at chapter/ship: Ship it? · from a terminal: mia workflow approve ${runId} chapter/ship`,
      );
    await saveScreenshot(page, 'gate-in-chapter');
    await page.getByTestId('approve-chapter').click();

    const result = await run.child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    await page.locator('[data-testid="step-chapter"][data-status="completed"]').waitFor(POLL);
    expect(errors).toEqual([]);
    await page.close();
  });
});
