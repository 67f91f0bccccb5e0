// The dashboard page inside a mia host (test/helpers/mia-host.ts), opened by the host's own name
// in a real browser: it follows a run of another process without a token (reading follows the
// host), says that acting needs the module's token, and acts once opened with it.

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkflowModule } from '../../src/server/module.js';
import { createWorkspace } from '../helpers/cli.js';
import { isEvent, startLiveRun } from '../helpers/live-run.js';
import { type MiaHost, startMiaHost } from '../helpers/mia-host.js';
import { launchChromium, openPage, saveScreenshot } from './dashboard-page.js';

const GATED = `name: gated
narrative: "A person decides when it ships"
steps:
  - { id: build, action: shell, beat: "The build stands", with: { run: "echo built" } }
  - { id: ship, action: approve, depends_on: [build], with: { prompt: "Ship it?" } }
  - { id: after, action: shell, depends_on: [ship], beat: "It goes out", with: { run: "echo out" } }
`;

/** The host's name, as a browser on another machine reaches it (resolved to this machine). */
const HOST_NAME = 'ide.mia.example';
const POLL = { timeout: 20_000, interval: 100 };

describe('the dashboard page in a mia host', () => {
  let browser: Browser;
  let host: MiaHost;
  let workspace: string;
  const module = createWorkflowModule({ pollMs: 50 });

  beforeAll(async () => {
    browser = await launchChromium([`--host-resolver-rules=MAP ${HOST_NAME} 127.0.0.1`]);
    workspace = await createWorkspace({ gated: GATED });
    host = await startMiaHost();
    await host.load(module, { workspace });
    host.addOwnRoutes();
  });

  afterAll(async () => {
    await host?.close();
    await browser?.close();
  });

  it("follows a run by the host's name without a token, and acts once opened with the module's", async () => {
    const origin = `http://${HOST_NAME}:${host.port}`;
    const run = startLiveRun(['workflow', 'run', 'gated'], { cwd: workspace });
    await run.waitForEvents(isEvent('workflow.step.waiting', 'ship'));
    const runId = run.runId() ?? '';

    const { page } = await openPage(browser, `${origin}/workflow`);
    expect(page.url()).toBe(`${origin}/workflow/`);
    await page.locator('[data-testid="connection"][data-state="live"]').waitFor(POLL);
    await page.getByTestId(`run-${runId}`).click();
    await page.locator('[data-testid="step-ship"][data-status="waiting"]').waitFor(POLL);

    // Acting needs the module's token: the page says so, and keeps showing the run.
    await page.getByTestId('approve-ship').click();
    await expect.poll(() => page.locator('#notice').textContent(), POLL).toContain('access token');
    expect(await page.locator('#token-help').isVisible()).toBe(false);
    await saveScreenshot(page, 'embedded-no-token');

    await page.goto(`${origin}/workflow/?token=${module.token}#run=${runId}`);
    await page.getByTestId('approve-ship').click();
    expect((await run.child).exitCode).toBe(0);
    await page.locator('[data-testid="step-after"][data-status="completed"]').waitFor(POLL);
    expect(page.url()).not.toContain('token=');
    await page.close();
  });
});
