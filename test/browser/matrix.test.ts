// The page shows a matrix step's legs grouped under it: listed after it in the chart, indented,
// and drawn as chips in its node of the plan; selecting a leg shows that leg's log.

import { describe, expect, it } from 'vitest';
import { runMia } from '../helpers/cli.js';
import { parseRunId } from '../helpers/run-files.js';
import { openPage, saveScreenshot, useDashboardSuite } from './dashboard-page.js';

const POLL = { timeout: 20_000, interval: 100 };

const GRID = [
  'name: grid',
  'narrative: "Every package holds on every platform"',
  'steps:',
  '  - id: test',
  '    action: shell',
  '    strategy:',
  '      matrix: { pkg: ["@scope/pkg", "..", "a/b"], os: [linux] }',
  '      fail_fast: false',
  '    with:',
  '      run: |',
  '        echo "testing ${{ matrix.pkg }} on ${{ matrix.os }}"',
  '        if [ "${{ matrix.pkg }}" = "a/b" ]; then exit 4; fi',
  '  - id: report',
  '    action: shell',
  '    depends_on: [test]',
  '    with: { run: echo report }',
  '',
].join('\n');

describe('a matrix step on the page', () => {
  const suite = useDashboardSuite({ grid: GRID });

  it("groups the legs under their step in the list and in the plan, and shows a leg's own log", async () => {
    const result = await runMia(['workflow', 'run', 'grid'], { cwd: suite.workspace });
    expect(result.exitCode, result.stderr).toBe(1);
    const runId = parseRunId(result.stdout);
    const { page, errors } = await openPage(suite.browser, suite.dashboard.url);
    await page.getByTestId(`run-${runId}`).click();
    const legs = ['test(@scope/pkg, linux)', 'test(.., linux)', 'test(a/b, linux)'];
    await page.locator(`[data-testid="step-${legs[2]}"][data-status="failed"]`).waitFor(POLL);
    // In the chart's list, each leg is a step of its own, marked as its step's and listed by it.
    const listed = await page
      .locator('#steps [data-testid^="step-test"]')
      .evaluateAll((items) =>
        items.map((item) => [item.getAttribute('data-testid'), item.getAttribute('data-group')]),
      );
    expect(listed.map(([id]) => id).sort()).toEqual(
      ['step-test', ...legs.map((l) => `step-${l}`)].sort(),
    );
    for (const [id, group] of listed) expect(group).toBe(id === 'step-test' ? null : 'test');
    const order = listed.map(([id]) => id);
    const stepAt = order.indexOf('step-test');
    // The list reads from the outcome down: the legs stand right above their step.
    expect(order.slice(stepAt - 3, stepAt).sort()).toEqual(legs.map((l) => `step-${l}`).sort());
    // In the plan, the legs are chips inside their step's node, coloured by their status.
    const node = page.locator('.dag-node[data-step="test"]');
    await expect.poll(() => node.locator('rect.dag-leg').count(), POLL).toBe(3);
    expect(
      await node.locator(`rect.dag-leg[data-step="${legs[2]}"]`).getAttribute('data-status'),
    ).toBe('failed');
    expect(await node.locator('rect.dag-leg[data-status="completed"]').count()).toBe(2);
    expect(await page.locator('.dag-node[data-step^="test("]').count()).toBe(0);
    // Selecting a leg's chip shows that leg's log, read through its encoded file.
    await node.locator(`rect.dag-leg[data-step="${legs[0]}"]`).click();
    await expect
      .poll(() => page.getByTestId('log').textContent(), POLL)
      .toContain('testing @scope/pkg on linux');
    await saveScreenshot(page, 'matrix-legs');
    expect(errors).toEqual([]);
    await page.close();
  });
});
