// A step whose output outgrows the events (1 MiB an attempt): the page shows its log live from
// the step's log file, read by offset through the API, to its last line.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLiveRun } from '../helpers/live-run.js';
import { readRunEvents } from '../helpers/run-files.js';
import { openPage, saveScreenshot, useDashboardSuite } from './dashboard-page.js';

/** About 3.4 MB of numbered lines, a mark, then a wait for the file `go`, then the last line. */
const LOUD = `name: loud
narrative: "A step says a lot"
steps:
  - id: flood
    action: shell
    with:
      run: seq 1 300000 | sed 's/^/line /'; echo MIDWAY-MARK; i=0; while [ ! -e go ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; echo THE LAST LINE
`;

const POLL = { timeout: 30_000, interval: 100 };

describe('the log of a loud step', () => {
  const suite = useDashboardSuite({ loud: LOUD });

  it('follows the output past what the events carry, live, from the log file', async () => {
    const { page, errors } = await openPage(suite.browser, suite.dashboard.url);
    await page.locator('[data-testid="connection"][data-state="live"]').waitFor();
    const run = startLiveRun(['workflow', 'run', 'loud'], { cwd: suite.workspace });
    await expect.poll(() => run.runId(), POLL).toBeTruthy();
    const runId = run.runId()!;
    await run.waitForEvents(
      (event) => event.type === 'workflow.step.log' && event.payload.truncated !== undefined,
    );
    await page.getByTestId(`run-${runId}`).click();
    await page.locator('[data-testid="step-flood"][data-status="running"]').waitFor(POLL);
    await page.getByTestId('step-flood').click();

    // MIDWAY-MARK is past the first MiB: only the log file has it.
    const log = page.getByTestId('log');
    await expect.poll(() => log.textContent(), POLL).toContain('MIDWAY-MARK');
    const shown = (await log.textContent()) ?? '';
    expect(shown).toContain('[mia] The events carry no more of this attempt');
    expect(shown).toContain('line 300000\nMIDWAY-MARK\n');
    await saveScreenshot(page, 'loud-step-live');

    await writeFile(join(suite.workspace, 'go'), '');
    const result = await run.child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    await expect.poll(() => log.textContent(), POLL).toContain('MIDWAY-MARK\nTHE LAST LINE\n');
    await expect
      .poll(() => log.textContent(), POLL)
      .toMatch(/bytes of this attempt's output are only in the step's log file/);
    const events = await readRunEvents(suite.workspace, runId);
    const carried = events
      .filter((event) => event.type === 'workflow.step.log')
      .map((event) => String(event.payload.text))
      .join('');
    expect(carried).not.toContain('MIDWAY-MARK');
    expect(errors).toEqual([]);
    await page.close();
  });
});
