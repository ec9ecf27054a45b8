// What most end-to-end suites start from: the `make dist` site served on 127.0.0.1 and a
// headless Chromium for the suite, and a panel opened from a share link, started up, with
// its Run button ready.
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { launch, waitForStartup } from "./browser.js";
import { link } from "./links.js";
import { serve } from "./server.js";

export const DIST = new URL("../../dist/", import.meta.url).pathname;

/**
 * Serves `dist/` (cross-origin isolated unless `isolated` is false) and launches Chromium
 * before the enclosing suite's tests, and closes both after them. Call it in a `describe`
 * body; the returned object's `server` and `browser` are set once its tests run.
 */
export function siteAndBrowser({ webgpu = false, isolated = true } = {}) {
  const site = { server: null, browser: null };
  before(async () => {
    assert.ok(existsSync(DIST + "index.html"), `no ${DIST}index.html: run \`make dist\` first`);
    site.server = await serve(DIST, { isolated });
    site.browser = await launch({ webgpu });
  });
  after(async () => {
    await site.browser?.close();
    await site.server?.close();
  });
  return site;
}

/**
 * Opens panel `tab` from a share link of `values` (`query` before the hash, e.g.
 * "?backend=cpu"), waits for the engine to start and for Run to be enabled; returns the
 * panel's locator and its Run button.
 */
export async function openPanel(page, url, tab, values, query = "?backend=cpu") {
  await page.goto(url + query + link(tab, values));
  const status = await waitForStartup(page);
  assert.equal(status.state, "ok", status.text);
  const panel = page.locator(`[data-testid="panel-${tab}"]`);
  const run = panel.locator('[data-testid="run"]');
  await page.waitForFunction((el) => !el.disabled, await run.elementHandle(), { timeout: 60_000 });
  return { panel, run };
}
