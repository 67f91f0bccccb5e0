// A step reused from the step cache, on the dashboard page: its line and its beat say from which run.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, runMia } from '../helpers/cli.js';
import { parseRunId } from '../helpers/run-files.js';
import {
  launchChromium,
  openPage,
  type RunningDashboard,
  startDashboard,
} from './dashboard-page.js';

const POLL = { timeout: 30_000, interval: 100 };

describe('a reused step on the dashboard', () => {
  let browser: Browser;
  let workspace: string;
  let dashboard: RunningDashboard;

  beforeAll(async () => {
    browser = await launchChromium();
    workspace = await createWorkspace({
      cached: [
        'name: cached',
        'narrative: "Work done once is not done again"',
        'steps:',
        '  - id: build',
        '    action: shell',
        '    beat: "The build is ready"',
        '    with: { run: "mkdir -p dist; cp src/a.txt dist/" }',
        '    cache: { inputs: ["src/**"], outputs: ["dist/**"] }',
        '',
      ].join('\n'),
    });
    await mkdir(join(workspace, 'src'));
    await writeFile(join(workspace, 'src/a.txt'), 'a');
    dashboard = await startDashboard(workspace);
  });

  afterAll(async () => {
    await dashboard?.stop();
    await browser?.close();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  it('shows the step as completed, reused from the run that made its entry, in its line and its beat', async () => {
    const first = parseRunId(
      (await runMia(['workflow', 'run', 'cached'], { cwd: workspace })).stdout,
    );
    const second = parseRunId(
      (await runMia(['workflow', 'run', 'cached'], { cwd: workspace })).stdout,
    );
    const { page, errors } = await openPage(browser, dashboard.url);
    await page.getByTestId(`run-${second}`).click();
    const step = page.getByTestId('step-build');
    await expect.poll(() => step.getAttribute('data-status'), POLL).toBe('completed');
    expect(await step.locator('.step-detail').textContent()).toContain(`reused from run ${first}`);
    await expect
      .poll(() => page.getByTestId('beat').allTextContents(), POLL)
      .toContainEqual(
        expect.stringContaining(`The build is ready (reused from run ${first}, not run again)`),
      );
    expect(errors).toEqual([]);
    await page.close();
  });
});
