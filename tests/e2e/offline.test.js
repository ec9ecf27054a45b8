// End-to-end test of the hosted demo's service worker (issue 17), against the `make dist`
// build served as GitHub Pages serves it (no isolation headers): the service worker makes
// the page cross-origin isolated (one reload) so the engine runs threaded, stores the
// whole build in the background, and with the server stopped a reload still starts the
// app and trains on the shipped dataset.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { launch, openPage, waitForStartup } from "./browser.js";
import { PANELS, link } from "./links.js";
import { serve } from "./server.js";

const DIST = new URL("../../dist/", import.meta.url).pathname;

let server, browser;
before(async () => {
  assert.ok(existsSync(DIST + "index.html"), `no ${DIST}index.html: run \`make dist\` first`);
  server = await serve(DIST);
  browser = await launch({ webgpu: false });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** The build's service-worker version and the files it stores (scripts/dist-finish.mjs). */
function serviceWorkerPlan() {
  const source = readFileSync(DIST + "coi-sw.js", "utf8");
  const version = JSON.parse(source.match(/^const VERSION = (.*);$/m)[1]);
  const assets = JSON.parse(source.match(/^const ASSETS = (.*);$/m)[1]);
  return { version, assets };
}

async function trains(page) {
  const panel = page.locator('[data-testid="panel-train"]');
  const run = panel.locator('[data-testid="run"]');
  await page.waitForFunction((el) => !el.disabled, await run.elementHandle(), { timeout: 120_000 });
  const before = await panel.locator('[data-testid="run-row"][data-status="finished"]').count();
  await run.click();
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="panel-train"] [data-testid="run-row"][data-status="finished"]').length > n,
    before,
    { timeout: 180_000 },
  );
}

test("GitHub Pages-like hosting: isolated and threaded through the service worker, then offline after the first visit", async () => {
  const { version, assets } = serviceWorkerPlan();
  assert.notEqual(version, "dev", "make dist wrote the build's version into coi-sw.js");
  assert.ok(assets.includes("index.html") && assets.some((a) => a.startsWith("data/mnist-images")), "the page and a dataset are stored");

  const { page, errors, close } = await openPage(browser, { serviceWorkers: "allow" });
  await page.goto(server.url + "?backend=cpu" + link("train", PANELS.train.values));
  await page.waitForFunction(() => window.crossOriginIsolated === true, null, { timeout: 60_000 });
  const status = await waitForStartup(page);
  assert.equal(status.kind, "CPU", status.text);
  const threads = Number(await page.locator('[data-testid="threads"]').getAttribute("data-threads"));
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  assert.equal(threads, Math.min(cores, 8), "threaded through the service worker's isolation");
  await trains(page);

  // Everything stored, in this build's cache.
  await page.waitForFunction(
    async ([name, count]) => (await (await caches.open(name)).keys()).length === count,
    [`bioplay-${version}`, assets.length],
    { timeout: 120_000, polling: 500 },
  );

  // The site goes away; a reload still starts, isolated and threaded, and trains.
  await server.close();
  server = null;
  const before = errors.length;
  const unreachable = await page.evaluate(() => fetch("not-stored.txt").then(() => false, () => true));
  assert.ok(unreachable, "the server is gone: a file the service worker did not store cannot be fetched");
  // That failed fetch is the browser's own console error, expected.
  await page.waitForTimeout(200);
  assert.match(errors.splice(before).join("\n"), /^(Failed to load resource: net::ERR_FAILED)?$/);
  await page.reload();
  const offline = await waitForStartup(page);
  assert.equal(offline.state, "ok", offline.text);
  assert.equal(await page.evaluate(() => window.crossOriginIsolated), true);
  assert.equal(Number(await page.locator('[data-testid="threads"]').getAttribute("data-threads")), threads);
  await trains(page);
  const rows = await page.locator('[data-testid="panel-train"] [data-testid="run-row"][data-status="finished"]').count();
  assert.equal(rows, 2, "the run of the first visit is still there, and the offline one");
  assert.deepEqual(errors, []);
  await close();
});
