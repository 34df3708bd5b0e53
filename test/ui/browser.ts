import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { REPO, stopAtEnd, tempDir } from '../helpers/process.js';

// Debian's Chromium driven by playwright-core (`npx playwright install` cannot download here).
// One browser per test file; it is closed at the end of the file, pass or fail.

export const CHROMIUM = process.env['TSMESOS_CHROMIUM'] ?? '/usr/bin/chromium';
/**
 * Where each page's screenshot goes: build/out/ui-screenshots (a test artifact, not tracked). The
 * committed set in test/ui/screenshots (linked from the README) is refreshed with
 * `npm run test:ui-screenshots`, so an ordinary test run leaves the work tree clean.
 */
export const SCREENSHOTS = path.resolve(REPO, process.env['TSMESOS_UI_SCREENSHOTS'] ?? path.join('build', 'out', 'ui-screenshots'));

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchBrowser(): Promise<BrowserContext> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: the web UI tests need it (apt-get install -y chromium; scripts/test-all.sh does), or set TSMESOS_CHROMIUM`);
  }
  // A fresh profile per file; bypassCSP only so that axe-core can be injected into the page.
  const context = await chromium.launchPersistentContext(tempDir('tsmesos-chromium-'), {
    executablePath: CHROMIUM, headless: true, args: ARGS, bypassCSP: true, viewport: { width: 1280, height: 800 }, colorScheme: 'light',
  });
  stopAtEnd(() => context.close());
  return context;
}

/** Collects the page's console errors and failed requests: a page that logs errors fails its test. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return errors;
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }

/** axe-core in the page, in the light and the dark theme: no serious or critical violation. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.addScriptTag({ content: axeSource });
  try {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await runAxe(page, `${what} (${colorScheme})`);
    }
  } finally {
    await page.emulateMedia({ colorScheme: 'light' });
  }
}

async function runAxe(page: Page, what: string): Promise<void> {
  const violations = await page.evaluate(async () => {
    // Runs in the page (this file has no DOM types): `axe` and `document` are the page's globals.
    const g = globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> }; document: unknown };
    const r = await g.axe.run(g.document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`), `axe on ${what}`).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
