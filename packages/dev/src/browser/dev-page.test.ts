import { channel } from 'node:diagnostics_channel';
import { createFusewire, type Fusewire } from '@fusewire/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '../server/start-dev-server.js';
import { type Browser, launchChromium } from './launch-chromium.js';

let dev: DevServer;
let browser: Browser;
let fusewire: Fusewire;

beforeAll(async () => {
  dev = await startDevServer({ port: 0, log: () => {} });
  fusewire = createFusewire({ baseUrl: dev.url, publicKey: 'pk-lf-dev', secretKey: 'sk-lf-dev', flushIntervalMs: 50 });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await fusewire?.shutdown();
  await dev?.close();
});

/** Publish a trace the way an app does, with a generation under a span, and send it now. */
async function publishChat(name: string, userId: string, sessionId: string, options: { error?: boolean } = {}) {
  const id = `${name}-${Math.random().toString(36).slice(2)}`;
  const start = Date.now() - 300;
  channel('langfuse.trace').publish({ id, name, userId, sessionId, tags: ['browser-test'] });
  // The root's input is what Langfuse v4 shows as the trace's input.
  const input = { question: `about ${name}` };
  channel('langfuse.span').publish({
    id: `${id}:root`,
    traceId: id,
    name: 'handle',
    input,
    startTime: start,
    endTime: start + 250,
  });
  channel('langfuse.generation').publish({
    id: `${id}:llm`,
    traceId: id,
    parentObservationId: `${id}:root`,
    name: 'chat-completion',
    model: 'gpt-4o-mini',
    input: [{ role: 'user', content: `about ${name}` }],
    output: options.error ? undefined : 'an answer',
    usageDetails: { input: 120, output: 45 },
    level: options.error ? 'ERROR' : 'DEFAULT',
    statusMessage: options.error ? 'upstream model timed out' : undefined,
    startTime: start + 20,
    endTime: start + 230,
  });
  await fusewire.flush();
}

describe('the dev page in a real browser (Debian chromium)', () => {
  it('shows a trace published while it is open, live, and its tree with model and usage on click', async () => {
    const { page } = browser;
    await page.goto(dev.url);
    await page.locator('#status.live').waitFor();
    await expect(page.locator('.trace-row').count()).resolves.toBe(0);
    await expect(page.locator('#empty').isVisible()).resolves.toBe(true);

    await publishChat('checkout-help', 'alice', 'session-a');
    const row = page.locator('.trace-row', { hasText: 'checkout-help' });
    await row.waitFor({ timeout: 10_000 }); // no reload: it came over the SSE feed
    await expect(row.textContent()).resolves.toContain('alice');

    await row.click();
    await page.locator('.trace-head h2', { hasText: 'checkout-help' }).waitFor();
    const obsRows = page.locator('.obs-row');
    await expect(obsRows.count()).resolves.toBe(2);
    await expect(obsRows.nth(0).textContent()).resolves.toContain('handle');
    const generation = obsRows.nth(1);
    await expect(generation.getAttribute('aria-level')).resolves.toBe('2'); // nested under handle
    await expect(generation.textContent()).resolves.toContain('gpt-4o-mini');
    await generation.click();
    const detail = page.locator('.obs-detail');
    await expect(detail.locator('.model').textContent()).resolves.toContain('gpt-4o-mini');
    const usage = await detail.locator('.usage table').textContent();
    expect(usage).toMatch(/input\s*120/);
    expect(usage).toMatch(/output\s*45/);
    expect(usage).toMatch(/total\s*165/);
    await expect(detail.locator('.cost').textContent()).resolves.toMatch(/\$0\.0000\d+/);
    await expect(page.locator('.trace-io').textContent()).resolves.toContain('about checkout-help');
  });

  it('filters by name, user, session and level; errors stand out', async () => {
    const { page } = browser;
    await publishChat('refund-flow', 'bob', 'session-b', { error: true });
    await publishChat('search-docs', 'carol', 'session-a');
    const rows = page.locator('.trace-row');
    await page.locator('.trace-row', { hasText: 'search-docs' }).waitFor();
    await expect(rows.count()).resolves.toBe(3);

    const errorRow = page.locator('.trace-row', { hasText: 'refund-flow' });
    await expect(errorRow.getAttribute('class')).resolves.toContain('level-error');
    await expect(errorRow.locator('.badge').textContent()).resolves.toContain('ERROR');

    const shown = () => rows.evaluateAll((els) => els.map((el) => el.querySelector('.trace-name')?.textContent));
    await page.fill('#filter-user', 'bo');
    await expect(shown()).resolves.toEqual(['refund-flow']);
    await page.fill('#filter-user', '');
    await page.fill('#filter-session', 'session-a');
    await expect(shown()).resolves.toEqual(['search-docs', 'checkout-help']);
    await page.fill('#filter-session', '');
    await page.fill('#filter-name', 'CHECK');
    await expect(shown()).resolves.toEqual(['checkout-help']);
    await page.fill('#filter-name', '');
    await page.selectOption('#filter-level', 'ERROR');
    await expect(shown()).resolves.toEqual(['refund-flow']);
    await expect(page.locator('#list-count').textContent()).resolves.toBe('1 of 3 traces');

    await errorRow.click();
    await page.locator('.obs-row.level-error').click();
    await expect(page.locator('.status-message.error').textContent()).resolves.toBe('upstream model timed out');
    await page.selectOption('#filter-level', '');
    await expect(rows.count()).resolves.toBe(3);
  });

  it('leaves focus where the user put it while a clicked trace is still loading', async () => {
    const { page } = browser;
    // Hold the detail request so the user's "/" lands before the tree arrives, every run.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const detail = /\/api\/dev\/traces\/[^/?]+$/;
    await page.route(detail, async (route) => {
      await held;
      await route.continue();
    });
    try {
      await page.locator('.trace-row', { hasText: 'search-docs' }).click();
      await page.keyboard.press('/');
      release();
      await page.locator('#trace-pane h2', { hasText: 'search-docs' }).waitFor();
      await page.locator('#trace-pane .obs-row').first().waitFor();
      await expect(page.evaluate(() => (globalThis as any).document.activeElement?.id)).resolves.toBe('filter-name');
    } finally {
      release();
      await page.unroute(detail);
    }
  });

  it('is usable by keyboard alone', async () => {
    const { page } = browser;
    await page.locator('#list-count').click(); // a spot that takes no focus and opens nothing
    await page.keyboard.press('/');
    await expect(page.evaluate(() => (globalThis as any).document.activeElement?.id)).resolves.toBe('filter-name');
    await page.keyboard.press('Escape'); // back to the list, on the open trace
    await page.locator('.trace-list .trace-row').first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const second = await page.locator('.trace-row').nth(1).getAttribute('data-trace-id');
    await page.locator(`.trace-row.selected[data-trace-id="${second}"]`).waitFor();
    await page.locator('.obs-row:focus').waitFor(); // Enter took focus into the tree
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect(page.locator('.obs-detail h3').textContent()).resolves.toContain('chat-completion');
  });

  it('loads nothing from elsewhere, weighs under 300 KB, and logged no console error', async () => {
    const origin = new URL(dev.url).origin;
    const foreign = browser.requests.filter((url) => !url.startsWith(origin) && !url.startsWith('data:'));
    expect(foreign).toEqual([]);
    // Runs in the page: resource and navigation timings carry the body sizes.
    const weight = await browser.page.evaluate(() => {
      const perf = (globalThis as any).performance;
      const entries: Array<{ name: string; decodedBodySize: number }> = [
        ...perf.getEntriesByType('resource'),
        ...perf.getEntriesByType('navigation'),
      ];
      return entries.filter((e) => !e.name.includes('/api/dev/')).reduce((sum, e) => sum + e.decodedBodySize, 0);
    });
    expect(weight).toBeGreaterThan(10_000);
    expect(weight).toBeLessThan(300 * 1024);
    if (process.env.FUSEWIRE_SCREENSHOT) {
      await browser.page.locator('.trace-row', { hasText: 'checkout-help' }).click();
      await browser.page.locator('.obs-row').nth(1).click();
      await browser.page.screenshot({ path: process.env.FUSEWIRE_SCREENSHOT });
    }
    expect(browser.errors).toEqual([]);
  });
});
