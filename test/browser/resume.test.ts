// A failed run on the dashboard in a real browser: its tension with the error, hint and log, and
// the resume button that completes the run once the cause is fixed.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMia } from '../helpers/cli.js';
import { parseRunId, readRunEvents } from '../helpers/run-files.js';
import { openPage, saveScreenshot, useDashboardSuite } from './dashboard-page.js';

const FRAGILE = `name: fragile
narrative: "The release stands on a verified build"
steps:
  - id: build
    action: shell
    beat: "The build stands"
    with: { run: "echo built" }
  - id: verify
    action: shell
    depends_on: [build]
    beat: "The build is verified"
    tension: "The verification finds the release unfit"
    with: { run: "echo checking; test -f fixed || { echo 'the file named fixed is missing' >&2; exit 3; }" }
  - id: publish
    action: shell
    depends_on: [verify]
    beat: "The release is published"
    with: { run: "echo published" }
`;

const POLL = { timeout: 30_000, interval: 100 };

describe('a failed run on the dashboard', () => {
  const suite = useDashboardSuite({ fragile: FRAGILE });

  it('shows the tension with its error and log, and the resume button completes the run once fixed', async () => {
    const failed = await runMia(['workflow', 'run', 'fragile'], { cwd: suite.workspace });
    expect(failed.exitCode, failed.stderr).toBe(1);
    const runId = parseRunId(failed.stdout);

    const { page, errors } = await openPage(suite.browser, suite.dashboard.url);
    await page.getByTestId(`run-${runId}`).click();
    await page.locator('[data-testid="step-verify"][data-status="failed"]').waitFor(POLL);
    expect(await page.getByTestId('step-publish').getAttribute('data-status')).toBe('skipped');
    const tension = page.getByTestId('tension-verify');
    await expect
      .poll(() => tension.textContent(), POLL)
      .toContain('The verification finds the release unfit');
    const told = await tension.textContent();
    expect(told).toContain('exited with 3');
    expect(told).toContain(`.mia/runs/${runId}/logs/verify.log`);
    expect(await page.getByTestId('reality').textContent()).toContain('tension at verify');
    await tension.getByRole('button', { name: 'Show the log of step verify' }).click();
    await expect
      .poll(() => page.getByTestId('log').textContent(), POLL)
      .toContain('the file named fixed is missing');
    await saveScreenshot(page, 'resume-tension');

    await writeFile(join(suite.workspace, 'fixed'), '');
    await page.getByTestId('resume').click();

    await page.locator('[data-testid="step-publish"][data-status="completed"]').waitFor(POLL);
    await page.locator(`[data-testid="run-${runId}"][data-status="completed"]`).waitFor(POLL);
    await expect.poll(() => page.getByTestId('progress').textContent(), POLL).toBe('STC: 3/3');
    expect(await page.getByTestId('step-verify').getAttribute('data-status')).toBe('completed');
    await expect.poll(() => tension.getAttribute('data-resolved'), POLL).toBe('true');
    expect(await page.getByTestId('resume').isHidden()).toBe(true);
    await expect
      .poll(async () => (await readRunEvents(suite.workspace, runId)).at(-1)?.type, POLL)
      .toBe('workflow.completed');
    await saveScreenshot(page, 'resume-completed');
    expect(errors).toEqual([]);
    await page.close();
  });
});
