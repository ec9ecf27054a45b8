// End-to-end tests of the charts as a reader sees them, against the `make dist` build on
// the CPU: after a Continual run (three methods, so several series and the accuracy-matrix
// heatmap) at 1280 x 800 and at a phone's 390 x 844, every piece of chart text is at least
// 12 CSS pixels on screen (its computed font size times the SVG's scale on screen), the SVG
// is drawn at its box's width, the task axis has whole-number ticks, the legend hides and
// shows a series, the hover tooltip still follows the mouse, and the final network's
// confusion matrix on each task is shown. A Train run shows its confusion matrix,
// per-class accuracy and train accuracy.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { openPage } from "./browser.js";
import { PANELS } from "./links.js";
import { openPanel, siteAndBrowser } from "./site.js";
const MIN_PX = 12;

/** Every text of every chart and heatmap in the panel, with its size on screen. */
async function chartTexts(page, panel) {
  return page.evaluate((panel) => {
    const out = [];
    const root = document.querySelector(`[data-testid="panel-${panel}"]`);
    for (const figure of root.querySelectorAll("figure.chart")) {
      const svg = figure.querySelector(".chart-svg svg");
      if (!svg) continue;
      const scale = svg.getScreenCTM()?.a ?? 0;
      for (const t of svg.querySelectorAll("text")) {
        if (!t.textContent.trim()) continue;
        const px = parseFloat(getComputedStyle(t).fontSize) * scale;
        out.push({ chart: figure.dataset.testid, text: t.textContent, px });
      }
      for (const b of figure.querySelectorAll(".chart-series, .chart-button, .chart-toggle")) {
        out.push({ chart: figure.dataset.testid, text: b.textContent, px: parseFloat(getComputedStyle(b).fontSize) });
      }
      const box = svg.parentElement.getBoundingClientRect().width;
      out.push({ chart: figure.dataset.testid, box, drawn: Number(svg.getAttribute("width")) });
    }
    return out;
  }, panel);
}

describe("charts people can read", () => {
  const site = siteAndBrowser();

  for (const [width, height] of [
    [1280, 800],
    [390, 844],
  ]) {
    test(`at ${width} px: chart text >= ${MIN_PX} px, drawn at its width, legend toggles, hover`, async () => {
      const { page, errors, close } = await openPage(site.browser, { width, height });
      const { values, runs } = PANELS.continual;
      const { panel, run } = await openPanel(page, site.server.url, "continual", values);
      await run.click();
      await page.waitForFunction(
        (n) =>
          document.querySelectorAll('[data-testid="run-row"][data-status="finished"]').length >= n &&
          !document.querySelector('[data-testid="progress"]'),
        runs,
        { timeout: 300_000 },
      );
      // The per-task confusion matrices are folded away: open them, and wait until both
      // are drawn at their box's width.
      await panel.locator('[data-testid="task-confusion"] summary').click();
      await page.waitForFunction(() => {
        const figures = document.querySelectorAll('[data-testid="panel-continual"] [data-testid^="heatmap-confusion-task-"]');
        const drawn = [...figures].filter((f) => {
          const svg = f.querySelector(".chart-svg svg");
          return svg && Math.abs(Number(svg.getAttribute("width")) - Math.floor(svg.parentElement.getBoundingClientRect().width)) <= 1;
        });
        return drawn.length === 2;
      });
      const forgetting = panel.locator('[data-testid="chart-forgetting"]').first();
      await forgetting.scrollIntoViewIfNeeded();
      // The chart is redrawn once its box is measured.
      await page.waitForTimeout(400);

      const texts = await chartTexts(page, "continual");
      const sized = texts.filter((t) => "px" in t);
      const charts = new Set(sized.map((t) => t.chart));
      assert.ok(charts.has("chart-forgetting"), [...charts].join(", "));
      assert.ok([...charts].some((c) => c.startsWith("heatmap-")), `no heatmap among ${[...charts].join(", ")}`);
      // The final network's confusion matrix on each task (of 2), every class a column.
      const perTask = [...charts].filter((c) => c.startsWith("heatmap-confusion-task-")).sort();
      assert.deepEqual(perTask, ["heatmap-confusion-task-1", "heatmap-confusion-task-2"], [...charts].join(", "));
      const small = sized.filter((t) => !(t.px >= MIN_PX - 0.01));
      const smallest = Math.min(...sized.map((t) => t.px));
      console.log(`${width} px: ${sized.length} chart texts in ${charts.size} charts, smallest ${smallest.toFixed(1)} px`);
      assert.deepEqual(small, [], `chart text under ${MIN_PX} px at ${width} px wide`);
      for (const frame of texts.filter((t) => "box" in t)) {
        // Drawn at its box's width (the box is never under the 280 px minimum here).
        assert.ok(Math.abs(frame.drawn - Math.floor(frame.box)) <= 1, `${frame.chart}: drawn ${frame.drawn} in ${frame.box}`);
      }

      // The forgetting chart counts tasks: whole-number ticks only.
      const ticks = await forgetting.locator("svg text[text-anchor=middle]").allTextContents();
      const numeric = ticks.filter((t) => /^-?\d+(\.\d+)?$/.test(t.trim()));
      assert.ok(numeric.length >= 2, `ticks: ${ticks.join(" | ")}`);
      assert.ok(numeric.every((t) => !t.includes(".")), `ticks: ${ticks.join(" | ")}`);

      // The legend hides a series and shows it again.
      const lines = () => forgetting.locator(".chart-svg polyline").count();
      const before = await lines();
      const first = forgetting.locator(".chart-series").first();
      assert.equal(await first.getAttribute("aria-pressed"), "true");
      await first.click();
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid="panel-continual"] [data-testid="chart-forgetting"] .chart-svg polyline').length === n - 1, before);
      assert.equal(await first.getAttribute("aria-pressed"), "false");
      await first.click();
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid="panel-continual"] [data-testid="chart-forgetting"] .chart-svg polyline').length === n, before);

      // Hover: the tooltip appears over the plot.
      const box = await forgetting.locator(".chart-svg").boundingBox();
      await page.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.5);
      await forgetting.locator('[data-testid="chart-forgetting-tip"]').waitFor({ timeout: 5_000 });

      assert.deepEqual(errors, [], errors.join("\n"));
      await close();
    });
  }

  test("a Train run shows its confusion matrix, per-class accuracy and train accuracy", async () => {
    const { page, errors, close } = await openPage(site.browser, { width: 1280, height: 800 });
    const { panel, run } = await openPanel(page, site.server.url, "train", PANELS.train.values);
    await run.click();
    const heatmap = panel.locator('[data-testid="heatmap-confusion"]');
    await heatmap.waitFor({ timeout: 300_000 });
    // 10 x 10 cells (drawn once the heatmap's box is measured).
    await heatmap.locator("svg rect:has(> title)").first().waitFor();
    assert.equal(await heatmap.locator("svg rect:has(> title)").count(), 100);
    const perClass = panel.locator('[data-testid="table-per-class"] tbody tr');
    assert.equal(await perClass.count(), 10);
    const counts = (await perClass.evaluateAll((rows) => rows.map((r) => Number(r.cells[1].textContent))));
    assert.equal(counts.reduce((a, b) => a + b, 0), PANELS.train.values.test_samples);
    const summary = panel.locator('[data-testid="table-summary"]');
    const headers = await summary.locator("th").allInnerTexts();
    const cells = await summary.locator("tbody td").allInnerTexts();
    const train = cells[headers.indexOf("train accuracy")];
    assert.match(train ?? "", /^\d+\.\d%$/, `train accuracy: ${train}`);
    assert.deepEqual(errors, [], errors.join("\n"));
    await close();
  });
});
