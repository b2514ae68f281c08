// The browser for the console's end-to-end tests: Debian's Chromium driven by playwright-core (headless, no sandbox, a
// fresh profile folder per launch, nothing fetched from the network by the browser itself), an axe-core accessibility
// check of the page as it stands, and full-page screenshots kept as test artifacts.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../config';

export const CHROMIUM = process.env.OSTEOFLOW_CHROMIUM ?? '/usr/bin/chromium';

/** Where the screenshots go (ignored by git through `.osteoflow/`). */
export const ARTIFACTS = path.join(PROJECT_ROOT, '.osteoflow', 'test-artifacts', 'console');

/**
 * Launches Chromium. Playwright gives every launch a new `--user-data-dir` of its own in the temporary folder (and
 * removes it on close), so no profile, cookie or cache outlives a run; each user then gets an isolated context.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core (node_modules/axe-core/axe.min.js) on the whole document and returns the violations of serious or
 * critical impact, each with the selectors of the offending nodes. The console's Content-Security-Policy forbids
 * inline scripts, so a script tag (page.addScriptTag) is refused on its pages; the source is evaluated through the
 * DevTools protocol instead, which that policy does not govern, so the page is checked under the policy it runs with.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  // Runs in the page (the project's Node types know no DOM: the page's globals are described here).
  const violations = await page.evaluate(async () => {
    const page = globalThis as unknown as {
      document: unknown;
      axe: {
        run(context: unknown, options: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }>;
      };
    };
    const result = await page.axe.run(page.document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** A full-page screenshot under ARTIFACTS; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
