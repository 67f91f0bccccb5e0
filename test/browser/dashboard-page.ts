// Helpers of the browser tests: Debian's Chromium, a real `mia dashboard`, and screenshots.

import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { createWorkspace, PACKAGE_ROOT } from '../helpers/cli.js';
import { type RunningDashboard, startDashboard } from '../helpers/dashboard.js';

export { type RunningDashboard, startDashboard };

const CHROMIUM_PATH = '/usr/bin/chromium';
const SCREENSHOTS_DIR = join(PACKAGE_ROOT, 'test-artifacts/browser');

/**
 * Launches Debian's headless Chromium (with `args` added); fails (never skips) when it is not
 * installed.
 */
export async function launchChromium(args: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: the browser tests drive Debian's chromium package. Run .ci/run (it installs it), or: apt-get update && apt-get install -y chromium`,
    );
  }
  if (!existsSync(join(PACKAGE_ROOT, 'dist/dashboard/index.html'))) {
    throw new Error('The dashboard page is not built: run `npm run build` first.');
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...args,
    ],
  });
}

/** The page's global scope when opened with `trackSockets`: every WebSocket it opened, in order. */
export interface TrackedWindow {
  openSockets: Array<{ close(): void }>;
}

type SocketClass = new (...args: unknown[]) => { close(): void };

/**
 * Opens a fresh page at `url` (in a 1440×900 viewport unless `viewport` says); errors of the
 * page's scripts and console are collected in `errors`. With `trackSockets`, the page keeps its
 * WebSockets in `openSockets`.
 */
export async function openPage(
  browser: Browser,
  url: string,
  options: { trackSockets?: boolean; viewport?: { width: number; height: number } } = {},
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({
    viewport: options.viewport ?? { width: 1440, height: 900 },
  });
  if (options.trackSockets) {
    // Runs in the page, before its scripts.
    await page.addInitScript(() => {
      const scope = globalThis as unknown as TrackedWindow & { WebSocket: SocketClass };
      const NativeSocket = scope.WebSocket;
      scope.openSockets = [];
      scope.WebSocket = class extends NativeSocket {
        constructor(...args: unknown[]) {
          super(...args);
          scope.openSockets.push(this);
        }
      };
    });
  }
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(url);
  return { page, errors };
}

/**
 * Saves a screenshot of the page as test-artifacts/browser/<name>.png: the whole page, or with
 * `isViewportOnly` what a reader sees without scrolling. Returns the file's path.
 */
export async function saveScreenshot(
  page: Page,
  name: string,
  options: { isViewportOnly?: boolean } = {},
): Promise<string> {
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  const path = join(SCREENSHOTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: options.isViewportOnly !== true });
  return path;
}

/** What a browser suite works with: Chromium, a workspace, and a dashboard serving it. */
export interface DashboardSuite {
  browser: Browser;
  workspace: string;
  dashboard: RunningDashboard;
}

/**
 * Registers a suite's set-up (Chromium, a workspace holding `workflows`, `mia dashboard` on it)
 * and tear-down; the returned object is filled in before the suite's tests run.
 */
export function useDashboardSuite(workflows: Record<string, string>): DashboardSuite {
  const suite = {} as DashboardSuite;
  beforeAll(async () => {
    suite.browser = await launchChromium();
    suite.workspace = await createWorkspace(workflows);
    suite.dashboard = await startDashboard(suite.workspace);
  });
  afterAll(async () => {
    await suite.dashboard?.stop();
    await suite.browser?.close();
    if (suite.workspace) await rm(suite.workspace, { recursive: true, force: true });
  });
  return suite;
}
