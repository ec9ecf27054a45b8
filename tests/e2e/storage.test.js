// End-to-end tests of where runs are kept (IndexedDB, one record per run) against the
// `make dist` build, on the CPU: the one-time move of a history an earlier version kept in
// local storage, a run interrupted by a reload, and a full disk, where the new run stays in the page, exportable, and the
// runs saved before are untouched. The full disk is a stub: while `__fullDisk` is set, a
// write's transaction aborts with a QuotaExceededError, as Chromium's does when the quota
// is used up. (The DevTools protocol's quota override did not make this Chromium refuse
// writes reliably: in 1 of 3 tries.)
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { openPage, waitForStartup } from "./browser.js";
import { PANELS, link } from "./links.js";
import { siteAndBrowser } from "./site.js";
const SEED = new URL("../../fuzz/corpus/run_file/imp.json", import.meta.url).pathname;
const LEGACY_KEY = "bioplay.history.v1";
const RUN_TIMEOUT = 240_000;

/** The runs kept in the page's IndexedDB, by id: `{ id, state, live }`. */
async function savedRuns(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open("bioplay");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains("runs")) return resolve([]);
          const all = db.transaction("runs").objectStore("runs").getAll();
          all.onsuccess = () =>
            resolve(
              all.result
                .map((text) => JSON.parse(text))
                .map((r) => ({ id: r.id, state: r.status.state, live: r.live.length }))
                .sort((a, b) => (a.id < b.id ? -1 : 1)),
            );
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

/** The ids of the runs kept in the page's IndexedDB. */
async function savedIds(page) {
  return (await savedRuns(page)).map((r) => r.id);
}

/** Polls `check` (async) every 200 ms until it returns true, or fails after `timeout` ms. */
async function until(check, what, timeout = 60_000) {
  const end = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("run storage", () => {
  const site = siteAndBrowser();

  test("a history kept in local storage by an earlier version moves to the database once", async () => {
    const { page, errors, close } = await openPage(site.browser);
    const run = JSON.parse(readFileSync(SEED, "utf8")).run;
    const legacy = {
      format: 1,
      runs: [
        { ...run, id: "run-legacy-1", label: "legacy one" },
        { ...run, id: "run-legacy-2", label: "legacy two", started_ms: run.started_ms + 1 },
      ],
    };
    // The history an earlier version left, in place before the app starts.
    await page.addInitScript(
      ([key, text]) => {
        if (!sessionStorage.getItem("seeded")) {
          sessionStorage.setItem("seeded", "1");
          localStorage.setItem(key, text);
        }
      },
      [LEGACY_KEY, JSON.stringify(legacy)],
    );
    await page.goto(site.server.url + "?backend=cpu#/prune");
    await waitForStartup(page);
    const panel = page.locator('[data-testid="panel-prune"]');
    const rows = panel.locator('[data-testid="run-row"]');
    await panel.locator('[data-testid="history"][data-loaded="true"]').waitFor();
    assert.equal(await rows.count(), 2, "both legacy runs are shown");
    assert.deepEqual(await savedIds(page), ["run-legacy-1", "run-legacy-2"]);
    assert.equal(await page.evaluate((k) => localStorage.getItem(k), LEGACY_KEY), null, "the old key is gone");
    // Shown from the database after a reload, and not moved twice.
    await page.reload();
    await panel.locator('[data-testid="history"][data-loaded="true"]').waitFor();
    assert.equal(await rows.count(), 2);
    assert.ok(
      Number(await panel.locator('[data-testid="chart-accuracy-vs-weights"]').getAttribute("data-points")) > 0,
      "the moved run draws its chart",
    );
    // Deleting one deletes its record.
    await rows.filter({ hasText: "legacy one" }).locator('[data-testid="delete-run"]').click();
    await until(async () => (await savedIds(page)).length === 1, "the record's deletion");
    assert.deepEqual(await savedIds(page), ["run-legacy-2"]);
    assert.deepEqual(errors, []);
    await close();
  });

  test("a reload during a run keeps it, marked interrupted", async () => {
    const { page, errors, close } = await openPage(site.browser);
    // Long enough that it is still running after its first save (every 3 s): about 30 s
    // on the threaded CPU engine of a 2-core machine.
    const values = { ...PANELS.train.values, epochs: 100, train_samples: 5000 };
    await page.goto(site.server.url + "?backend=cpu" + link("train", values));
    await waitForStartup(page);
    const panel = page.locator('[data-testid="panel-train"]');
    await panel.locator('[data-testid="link-restored"]').waitFor();
    const run = panel.locator('[data-testid="run"]');
    await page.waitForFunction((el) => !el.disabled, await run.elementHandle(), { timeout: 60_000 });
    await run.click();
    await panel.locator('[data-testid="run-row"][data-status="running"]').waitFor();
    // Wait for a save with live points in it, then reload mid-run.
    await until(async () => (await savedRuns(page)).some((r) => r.live > 0), "a save with live points");
    const [saved] = await savedRuns(page);
    assert.equal(saved.state, "running", "saved while it runs");
    await page.reload();
    await waitForStartup(page);
    const row = panel.locator('[data-testid="run-row"]');
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    assert.equal(await row.first().getAttribute("data-status"), "interrupted");
    // Its partial curve is drawn.
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="panel-train"] [data-testid="chart-loss"]')?.dataset.points) > 0,
    );
    assert.deepEqual(errors, []);
    await close();
  });

  test("a full disk: the new run stays in the page, exportable, and older runs are untouched", async () => {
    const { page, errors, close } = await openPage(site.browser);
    await page.addInitScript(() => {
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function (...args) {
        const request = put.apply(this, args);
        if (window.__fullDisk) {
          const transaction = this.transaction;
          Object.defineProperty(transaction, "error", {
            value: new DOMException("The quota has been exceeded.", "QuotaExceededError"),
          });
          transaction.abort();
        }
        return request;
      };
    });
    const values = PANELS.train.values;
    await page.goto(site.server.url + "?backend=cpu" + link("train", values));
    await waitForStartup(page);
    const panel = page.locator('[data-testid="panel-train"]');
    const run = panel.locator('[data-testid="run"]');
    const rows = panel.locator('[data-testid="run-row"]');
    await page.waitForFunction((el) => !el.disabled, await run.elementHandle(), { timeout: 60_000 });
    await run.click();
    await panel.locator('[data-testid="run-row"][data-status="finished"]').waitFor({ timeout: RUN_TIMEOUT });
    const [first] = await savedIds(page);
    assert.ok(first, "the first run is saved");

    // The disk is full from here on.
    await page.evaluate(() => (window.__fullDisk = true));
    await run.click();
    const problem = panel.locator('[data-testid="storage-problem"]');
    await problem.waitFor({ timeout: RUN_TIMEOUT });
    assert.match(await problem.innerText(), /storage for this site is full, so the run .+ is not saved: it stays in this page/);
    await panel.locator('[data-testid="run-row"][data-status="finished"]').nth(1).waitFor({ timeout: RUN_TIMEOUT });
    assert.equal(await rows.count(), 2, "both runs are in the page");
    assert.deepEqual(await savedIds(page), [first], "the earlier run is untouched, the new one not saved");
    // The unsaved run can still be taken away.
    const newest = rows.first();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      newest.locator('[data-testid="export-json"]').click(),
    ]);
    const { readFile } = await import("node:fs/promises");
    const file = JSON.parse(await readFile(await download.path(), "utf8"));
    assert.equal(file.run.status.state, "finished");

    // Room again: the next save succeeds and the message goes.
    await page.evaluate(() => (window.__fullDisk = false));
    await newest.locator('[data-testid="delete-run"]').click();
    await problem.waitFor({ state: "detached" });
    assert.deepEqual(await savedIds(page), [first]);
    assert.deepEqual(errors, []);
    await close();
  });
});
