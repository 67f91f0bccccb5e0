// The dashboard follows a live run in a real browser: the chart, its progress, the beats as they
// arrive, the selected step's log; and without a valid token it says how to open it.

import { describe, expect, it } from 'vitest';
import { startLiveRun } from '../helpers/live-run.js';
import { readRunEvents } from '../helpers/run-files.js';
import {
  openPage,
  saveScreenshot,
  type TrackedWindow,
  useDashboardSuite,
} from './dashboard-page.js';

const JOURNEY = `name: journey
narrative: "A small change travels from idea to a told story"
steps:
  - id: sketch
    action: shell
    beat: "The idea is sketched"
    with: { run: "echo sketching; sleep 0.3; echo sketched" }
  - id: agree
    action: shell
    universe: ceremony
    depends_on: [sketch]
    beat: "The team agrees"
    with: { run: "echo agreeing; sleep 0.3" }
  - id: tell
    action: shell
    universe: story
    depends_on: [agree]
    beat: "The story is told"
    with: { run: "echo telling; sleep 3; echo told" }
`;

const POLL = { timeout: 20_000, interval: 100 };

describe('the dashboard page', () => {
  const suite = useDashboardSuite({ journey: JOURNEY });

  it('follows a live run: outcome, steps with status and progress, beats as they arrive, reality, log', async () => {
    const { page, errors } = await openPage(suite.browser, suite.dashboard.url);
    await page.locator('[data-testid="connection"][data-state="live"]').waitFor();
    expect(page.url()).not.toContain('token=');
    await page.locator('#run-list-empty').waitFor();

    const run = startLiveRun(['workflow', 'run', 'journey'], { cwd: suite.workspace });
    await expect.poll(() => run.runId(), POLL).toBeTruthy();
    const runId = run.runId()!;

    await page.getByTestId(`run-${runId}`).waitFor();
    await expect
      .poll(() => page.getByTestId('outcome').textContent(), POLL)
      .toBe('A small change travels from idea to a told story');

    // Mid-run: the last step runs while the first two are done and told as beats.
    await page.locator('[data-testid="step-tell"][data-status="running"]').waitFor(POLL);
    await expect.poll(() => page.getByTestId('progress').textContent(), POLL).toBe('STC: 2/3');
    expect(await page.getByTestId('step-sketch').getAttribute('data-status')).toBe('completed');
    expect(await page.getByTestId('step-agree').getAttribute('data-status')).toBe('completed');
    await expect
      .poll(() => page.getByTestId('lane-engineer').getByTestId('beat').allTextContents(), POLL)
      .toContainEqual(expect.stringContaining('The idea is sketched'));
    await expect
      .poll(() => page.getByTestId('lane-ceremony').getByTestId('beat').allTextContents(), POLL)
      .toContainEqual(expect.stringContaining('The team agrees'));
    expect(await page.getByTestId('lane-story').getByTestId('beat').count()).toBe(0);
    expect(await page.getByTestId('reality').textContent()).toContain('in motion: tell');
    await expect.poll(() => page.getByTestId('log').textContent(), POLL).toContain('telling');
    await saveScreenshot(page, 'live-run-in-progress');

    const result = await run.child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    await expect.poll(() => page.getByTestId('progress').textContent(), POLL).toBe('STC: 3/3');
    await page.locator('[data-testid="step-tell"][data-status="completed"]').waitFor(POLL);
    await expect
      .poll(() => page.getByTestId('lane-story').getByTestId('beat').allTextContents(), POLL)
      .toContainEqual(expect.stringContaining('The story is told'));
    await expect
      .poll(() => page.getByTestId('reality').textContent(), POLL)
      .toContain('desired outcome is reached');
    await page.locator(`[data-testid="run-${runId}"][data-status="completed"]`).waitFor(POLL);

    await page.getByTestId('step-sketch').click();
    await expect.poll(() => page.getByTestId('log').textContent(), POLL).toContain('sketched');
    await saveScreenshot(page, 'live-run-completed');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('reconnects after the socket drops and catches up from the last seq it saw, without gaps or repeats', async () => {
    const { page, errors } = await openPage(suite.browser, suite.dashboard.url, {
      trackSockets: true,
    });
    const subscriptions: Array<{ channel: string; since?: number }> = [];
    page.on('websocket', (socket) =>
      socket.on('framesent', (frame) => {
        const message = JSON.parse(String(frame.payload)) as { type: string; channel: string };
        if (message.type === 'subscribe') subscriptions.push(message);
      }),
    );
    await page.locator('[data-testid="connection"][data-state="live"]').waitFor();
    const run = startLiveRun(['workflow', 'run', 'journey'], { cwd: suite.workspace });
    await expect.poll(() => run.runId(), POLL).toBeTruthy();
    const runId = run.runId()!;
    await page.getByTestId(`run-${runId}`).click();
    await page.locator('[data-testid="step-sketch"][data-status="completed"]').waitFor(POLL);

    await page.evaluate(() => (globalThis as unknown as TrackedWindow).openSockets.at(-1)?.close());
    await expect
      .poll(() => page.getByTestId('connection').getAttribute('data-state'), POLL)
      .not.toBe('live');
    await page.locator('[data-testid="connection"][data-state="live"]').waitFor(POLL);

    const result = await run.child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    await expect.poll(() => page.getByTestId('progress').textContent(), POLL).toBe('STC: 3/3');
    const told = (await readRunEvents(suite.workspace, runId)).filter(
      (e) => e.type === 'beat.created',
    );
    await expect.poll(() => page.getByTestId('beat').count(), POLL).toBe(told.length);
    const resubscribed = subscriptions.filter((s) => s.channel === `workflow:${runId}`).at(-1);
    expect(resubscribed?.since).toBeGreaterThan(0);
    await saveScreenshot(page, 'reconnected');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('explains how to open the dashboard when the page has no token or a wrong one', async () => {
    const origin = new URL(suite.dashboard.url).origin;
    const { page } = await openPage(suite.browser, `${origin}/`);
    const help = page.locator('#token-help');
    await help.waitFor();
    expect(await help.textContent()).toContain('mia dashboard');
    expect(await page.getByTestId('connection').getAttribute('data-state')).toBe('offline');
    await saveScreenshot(page, 'no-token');

    await page.goto(`${origin}/?token=not-the-token`);
    await expect.poll(() => help.isVisible(), POLL).toBe(true);
    await expect
      .poll(() => page.locator('#token-help-reason').textContent(), POLL)
      .toContain('refused');
    expect(page.url()).not.toContain('token=');
    await page.close();
  });
});
