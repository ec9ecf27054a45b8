// End-to-end test of the compare view, against the `make dist` build on the CPU: two Train
// runs that differ in one setting, the older one ticked in the history, "Compare" lays the
// run shown and the ticked one side by side (each with its headline, main chart with
// points and summary table) under a table of the settings that differ, which names the
// one changed and no other; a column's button shows its run above; Close closes it.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { openPage, screenshot } from "./browser.js";
import { PANELS } from "./links.js";
import { openPanel, siteAndBrowser } from "./site.js";

describe("compare view", () => {
  const site = siteAndBrowser();

  test("two runs side by side, with the setting that differs", async () => {
    const { page, errors, close } = await openPage(site.browser, { width: 1280, height: 900 });
    const { panel: train, run } = await openPanel(page, site.server.url, "train", PANELS.train.values);
    const finished = train.locator('[data-testid="run-row"][data-status="finished"]');
    const runOnce = async (count) => {
      await page.waitForFunction((el) => !el.disabled, await run.elementHandle(), { timeout: 60_000 });
      await run.click();
      await page.waitForFunction(
        ([sel, n]) => document.querySelectorAll(sel).length >= n,
        ['[data-testid="panel-train"] [data-testid="run-row"][data-status="finished"]', count],
        { timeout: 300_000 },
      );
    };
    await runOnce(1);
    const compareButton = train.locator('[data-testid="compare-runs"]');
    assert.ok(await compareButton.isDisabled(), "nothing to compare with one run");
    await train.locator('[data-testid="field-hidden"]').fill("16");
    await runOnce(2);
    // The newest run is shown; the older one is ticked.
    const [newest, older] = await finished.evaluateAll((rows) => rows.map((r) => r.dataset.run));
    await train.locator(`[data-testid="run-row"][data-run="${older}"] [data-testid="overlay"]`).check();
    await page.waitForFunction((el) => /Compare 2 runs/.test(el.textContent), await compareButton.elementHandle());
    await compareButton.click();

    const view = train.locator('[data-testid="compare"]');
    await view.waitFor();
    assert.equal(await view.getAttribute("data-runs"), "2");
    const columns = view.locator('[data-testid="compare-column"]');
    assert.deepEqual(await columns.evaluateAll((cs) => cs.map((c) => c.dataset.run)), [newest, older]);
    // Side by side at 1280 px: the same top, the second to the right of the first.
    const [a, b] = [await columns.nth(0).boundingBox(), await columns.nth(1).boundingBox()];
    assert.ok(Math.abs(a.y - b.y) < 1 && b.x >= a.x + a.width, `columns at ${JSON.stringify([a, b])}`);
    for (let i = 0; i < 2; i++) {
      const column = columns.nth(i);
      const chart = column.locator(`[data-testid="chart-compare-${i}-accuracy"]`);
      await chart.locator(".chart-svg svg").waitFor();
      assert.ok(Number(await chart.getAttribute("data-points")) > 0, `column ${i}: chart points`);
      assert.match(await column.locator('[data-testid="compare-headline"]').textContent(), /\d+\.\d%/);
      const summary = column.locator(`[data-testid="table-compare-${i}-summary"] tbody tr`);
      assert.equal(await summary.count(), 1, `column ${i}: summary row`);
    }
    const rows = await view
      .locator('[data-testid="table-compare-settings"] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent.trim())));
    console.log(`compare: settings that differ ${JSON.stringify(rows)}`);
    assert.deepEqual(rows, [["Hidden widths", "16", "32"]]);
    const config = await view
      .locator('[data-testid="table-compare-config"] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent.trim())));
    assert.ok(config.some(([path, x, y]) => /hidden/.test(path) && x === "16" && y === "32"), JSON.stringify(config));
    await screenshot(page, "compare");

    // A column shows its run above; Close closes the view.
    await columns.nth(1).locator('[data-testid="compare-show"]').click();
    await page.waitForFunction(
      (id) => document.querySelector('[data-testid="panel-train"] [data-testid="run-summary"]')?.dataset.run === id,
      older,
    );
    await view.locator('[data-testid="close-compare"]').click();
    await view.waitFor({ state: "detached" });
    assert.deepEqual(errors, []);
    await close();
  });
});
