// The engine's threads on the CPU backend. Served cross-origin isolated (as `make serve`
// and hosts with COOP/COEP headers do) the page starts the threaded engine, whose pool
// has one thread per core (the engine's worker and one helper worker per further core),
// and it computes what one thread computes. With the automatic backend and no WebGPU, the
// threaded engine replaces the single-threaded one once that one finds no adapter. Served
// without the headers (GitHub Pages), the site's service worker (coi-sw.js) makes the
// page isolated after one reload. Without either, or when the threaded engine is missing
// from the site, the engine runs on one thread, the status line says why, and runs still
// work.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { launch, openPage, waitForStartup } from "./browser.js";
import { serve } from "./server.js";
import { link } from "./links.js";

const DIST = new URL("../../dist/", import.meta.url).pathname;
// Big enough that Burn splits its matrix products over the pool (LeNet-300-100, batch 64).
const SMALL = { train_samples: 640, test_samples: 200, hidden: "300,100", epochs: 1, batch: 64, eval_every: 5 };

/** What the status line says about threads: the count, and the reason when only one. */
async function threadsShown(page) {
  const threads = page.locator('[data-testid="threads"]');
  await threads.waitFor();
  const notice = page.locator('[data-testid="threads-notice"]');
  return {
    count: Number(await threads.getAttribute("data-threads")),
    reason: (await notice.count()) ? await notice.getAttribute("data-reason") : null,
    text: (await notice.count()) ? await notice.innerText() : "",
  };
}

/** Runs the Train panel's settings from the link and returns the finished run's evaluations. */
async function trainEvaluations(page) {
  const panel = page.locator('[data-testid="panel-train"]');
  const run = panel.locator('[data-testid="run"]');
  await page.waitForFunction((el) => !el.disabled, await run.elementHandle(), { timeout: 60_000 });
  await run.click();
  const row = panel.locator('[data-testid="run-row"][data-status="finished"]');
  await row.waitFor({ timeout: 300_000 });
  const [download] = await Promise.all([page.waitForEvent("download"), row.locator('[data-testid="export-json"]').click()]);
  const file = JSON.parse(await readFile(await download.path(), "utf8"));
  assert.equal(file.run.result.kind, "train");
  const fit = file.run.result.fit;
  assert.ok(fit.curve.length >= 2, JSON.stringify(fit.curve));
  return { curve: fit.curve, testLosses: fit.test_losses };
}

describe("engine threads", () => {
  let isolated, plain, noThreaded, browser;
  before(async () => {
    isolated = await serve(DIST, { isolated: true });
    plain = await serve(DIST);
    noThreaded = await serve(DIST, { isolated: true, hide: /bioplay-worker-mt/ });
    browser = await launch({ webgpu: false });
  });
  after(async () => {
    await browser?.close();
    await Promise.all([isolated, plain, noThreaded].map((s) => s?.close()));
  });

  test("isolated by the server's headers: a thread per core, computing what one thread computes", async () => {
    const runOn = async (server, extra) => {
      const { page, errors, close } = await openPage(browser);
      await page.goto(server.url + "?backend=cpu" + extra + link("train", SMALL));
      assert.equal((await waitForStartup(page)).kind, "CPU");
      const shown = await threadsShown(page);
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      const evaluations = await trainEvaluations(page);
      assert.deepEqual(errors, []);
      await close();
      return { shown, cores, evaluations };
    };
    const pool = await runOn(isolated, "");
    assert.equal(pool.shown.count, Math.min(pool.cores, 8), "one thread per core (at most 8)");
    assert.equal(pool.shown.reason, null, pool.shown.text);
    const one = await runOn(isolated, "&threads=1");
    assert.deepEqual([one.shown.count, one.shown.reason], [1, null], "a pool of one thread, as asked");
    const single = await runOn(plain, "");
    assert.deepEqual([single.shown.count, single.shown.reason], [1, "not-isolated"]);
    console.log(`threads: pool of ${pool.shown.count}, of 1, and the single-threaded engine; ${pool.evaluations.curve.length} evaluations each`);
    for (const other of [one, single]) {
      assert.deepEqual(other.evaluations.curve, pool.evaluations.curve, "the same test accuracies");
      other.evaluations.testLosses.forEach(([step, loss], i) => {
        const [s, l] = pool.evaluations.testLosses[i];
        assert.equal(step, s);
        assert.ok(Math.abs(loss - l) <= 1e-5 * Math.max(1, Math.abs(l)), `test loss at step ${step}: ${loss} vs ${l}`);
      });
    }
  });

  test("the automatic backend without WebGPU: the threaded engine takes over without a page error", async () => {
    // No `?backend=`: the single-threaded engine starts, finds no WebGPU adapter, and the
    // page replaces it with the threaded one. A message the stopped worker had already
    // posted once reached a dropped handler ("closure invoked recursively or after being
    // dropped") in about one load in three, so this loads the page four times.
    for (let load = 1; load <= 4; load++) {
      const { page, errors, close } = await openPage(browser);
      await page.goto(isolated.url);
      assert.equal((await waitForStartup(page)).kind, "CPU", `load ${load}`);
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      const pool = String(Math.min(cores, 8));
      await page.waitForFunction((n) => document.querySelector('[data-testid="threads"]')?.dataset.threads === n, pool, {
        timeout: 60_000,
      });
      const shown = await threadsShown(page);
      assert.equal(shown.reason, null, `load ${load}: ${shown.text}`);
      // Time for a late message from the stopped worker to arrive.
      await page.waitForTimeout(1000);
      assert.deepEqual(errors, [], `load ${load}`);
      await close();
    }
  });

  test("parts of a batch train on the pool's threads at once: the continual methods finish", async () => {
    // Batch 128 on a pool of two: each step's batch is cut into two parts trained at
    // once (crates/engine/src/train/shards.rs), so Burn's locks are contended; dendrites
    // and k-WTA too. Before parking_lot's wasm parking was switched on, this panicked.
    const { page, errors, close } = await openPage(browser);
    const values = { train_samples: 512, test_samples: 100, hidden: "64", epochs: 1, batch: 128, tasks: 2 };
    await page.goto(isolated.url + "?backend=cpu" + link("continual", values));
    assert.equal((await waitForStartup(page)).kind, "CPU");
    const shown = await threadsShown(page);
    const panel = page.locator('[data-testid="panel-continual"]');
    const run = panel.locator('[data-testid="run"]');
    await page.waitForFunction((el) => !el.disabled, await run.elementHandle(), { timeout: 60_000 });
    await run.click();
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-testid="run-row"]:not([data-status="running"])').length >= 3 &&
        !document.querySelector('[data-testid="progress"]'),
      null,
      { timeout: 300_000 },
    );
    const statuses = await panel.locator('[data-testid="run-row"]').evaluateAll((rows) => rows.map((r) => r.dataset.status));
    console.log(`continual at batch 128 on a pool of ${shown.count}: ${statuses.join(", ")}`);
    assert.deepEqual(statuses, ["finished", "finished", "finished"]);
    assert.deepEqual(errors, []);
    await close();
  });

  test("a host that cannot send headers: the service worker isolates the page after one reload", async () => {
    const { page, errors, close } = await openPage(browser, { serviceWorkers: "allow" });
    await page.goto(plain.url + "?backend=cpu");
    await page.waitForFunction(() => window.crossOriginIsolated === true, null, { timeout: 60_000 });
    assert.equal((await waitForStartup(page)).kind, "CPU");
    const shown = await threadsShown(page);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    assert.equal(shown.count, Math.min(cores, 8));
    assert.deepEqual(errors, []);
    await close();
  });

  test("no isolation: one thread, the reason in the status line, and runs work", async () => {
    const { page, errors, close } = await openPage(browser);
    await page.goto(plain.url + "?backend=cpu" + link("train", SMALL));
    await waitForStartup(page);
    const shown = await threadsShown(page);
    assert.deepEqual([shown.count, shown.reason], [1, "not-isolated"]);
    assert.match(shown.text, /one thread: this page is not cross-origin isolated/);
    await trainEvaluations(page);
    assert.deepEqual(errors, []);
    await close();
  });

  test("the threaded engine missing from the site: one thread, the reason, and runs work", async () => {
    const { page, errors, close } = await openPage(browser);
    await page.goto(noThreaded.url + "?backend=cpu" + link("train", SMALL));
    assert.equal(await page.evaluate(() => window.crossOriginIsolated), true);
    await waitForStartup(page);
    const shown = await threadsShown(page);
    assert.deepEqual([shown.count, shown.reason], [1, "unavailable"]);
    assert.match(shown.text, /threaded engine could not be used/);
    await trainEvaluations(page);
    // The failed worker script is the browser's own console error, not the app's.
    assert.deepEqual(errors.filter((e) => !/bioplay-worker-mt|404/.test(e)), []);
    await close();
  });
});
