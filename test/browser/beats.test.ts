// Beats on the dashboard in a real browser: a format 1 run replayed (its beats migrated) and a
// format 2 run with what each universe says about its beats.

import { rm } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMia } from '../helpers/cli.js';
import { copyAllFormat1Runs, listRunIds, readRawEvents } from '../helpers/format1-fixtures.js';
import { parseRunId } from '../helpers/run-files.js';
import {
  launchChromium,
  openPage,
  type RunningDashboard,
  saveScreenshot,
  startDashboard,
} from './dashboard-page.js';

const POLL = { timeout: 30_000, interval: 100 };

describe('beats on the dashboard', () => {
  let browser: Browser;
  let workspace: string;
  let dashboard: RunningDashboard;

  beforeAll(async () => {
    browser = await launchChromium();
    workspace = await copyAllFormat1Runs();
    dashboard = await startDashboard(workspace);
  });

  afterAll(async () => {
    await dashboard?.stop();
    await browser?.close();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  it('replays a format 1 run: its beats in their lanes, the run’s own in the run lane', async () => {
    const runIds = await listRunIds(workspace);
    let runId = '';
    let raw: Awaited<ReturnType<typeof readRawEvents>> = [];
    for (const id of runIds) {
      const events = await readRawEvents(workspace, id);
      if (events[0]?.payload.workflow === 'flaky') [runId, raw] = [id, events];
    }
    const beats = raw.filter((e) => e.type === 'beat.created').map((e) => e.payload.beat);
    const { page, errors } = await openPage(browser, dashboard.url);
    await page.getByTestId(`run-${runId}`).click();
    await expect.poll(() => page.getByTestId('beat').count(), POLL).toBe(beats.length);
    for (const [lane, universe] of [
      ['run', 'workflow'],
      ['engineer', 'engineer'],
      ['ceremony', 'ceremony'],
      ['story', 'story'],
    ]) {
      const inLane = beats.filter((beat) => beat.universe === universe);
      expect(await page.getByTestId(`lane-${lane}`).getByTestId('beat').count(), lane).toBe(
        inLane.length,
      );
    }
    const high = beats.filter((beat) => beat.significance === 'high').length;
    expect(await page.locator('[data-testid="beat"].significance-high').count()).toBe(high);
    expect(await page.getByTestId('progress').textContent()).toBe('STC: 2/3');
    // Format 1 said nothing per universe: no annotation is made up.
    expect(await page.getByTestId('annotation').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows what each universe says about a format 2 beat', async () => {
    const result = await runMia(['workflow', 'run', 'flaky'], { cwd: workspace });
    expect(result.exitCode, result.stderr).toBe(0);
    const runId = parseRunId(result.stdout);
    const { page, errors } = await openPage(browser, dashboard.url);
    await page.getByTestId(`run-${runId}`).click();
    const deploy = page.locator('[data-testid="beat"][data-type="transformation"]');
    await expect
      .poll(() => deploy.getByTestId('annotation').allTextContents(), POLL)
      .toEqual([
        expect.stringMatching(/^engineer exit code 0; .*, on attempt 3$/),
        'story it failed before, and succeeds on attempt 3',
      ]);
    const opening = page.getByTestId('lane-run').locator('[data-type="inciting_incident"]');
    expect(await opening.getByTestId('annotation').textContent()).toBe(
      'engineer 3 steps, at most 4 at once',
    );
    await saveScreenshot(page, 'beats-annotations');
    expect(errors).toEqual([]);
    await page.close();
  });
});
