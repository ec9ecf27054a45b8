// Main-thread responsiveness while training: a PerformanceObserver records every long
// task (> 50 ms) during a LeNet-300-100 training run in the Train panel, on the CPU
// fallback (where the arithmetic itself runs on the page's thread) and on WebGPU. The
// longest is printed (README: "Responsiveness"); the test asserts that the page answers a
// click on another tab while the run goes on, and that the run still finishes.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { launch, openPage, waitForStartup } from "./browser.js";
import { serve } from "./server.js";
import { link } from "./links.js";

const DIST = new URL("../../dist/", import.meta.url).pathname;
// LeNet-300-100 (the default model), batch 60, evaluations on 1,000 test images. The CPU
// is much faster than software WebGPU, so it trains longer: the run must still be going
// when the test clicks another tab.
const CONFIGS = {
  CPU: { train_samples: 6000, test_samples: 1000, epochs: 3, eval_every: 50 },
  WebGPU: { train_samples: 2400, test_samples: 1000, epochs: 1, eval_every: 10 },
};

for (const [label, webgpu, query] of [
  ["CPU", false, "?backend=cpu"],
  ["WebGPU", true, ""],
]) {
  const CONFIG = CONFIGS[label];
  describe(`responsiveness on ${label}`, () => {
    let server, browser;
    before(async () => {
      server = await serve(DIST);
      browser = await launch({ webgpu });
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test("long tasks during a training run, and a click answered mid-run", async () => {
      const { page, errors, close } = await openPage(browser);
      await page.goto(server.url + query + link("train", CONFIG));
      assert.equal((await waitForStartup(page)).kind, label);
      const run = page.locator('[data-testid="panel-train"] [data-testid="run"]');
      await page.waitForFunction((el) => !el.disabled, await run.elementHandle(), { timeout: 60_000 });
      // Everything from the click to the end counts, loading the dataset included.
      await page.evaluate(() => {
        window.__longTasks = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) window.__longTasks.push(e.duration);
        }).observe({ type: "longtask" });
      });
      const t0 = Date.now();
      await run.click();
      await page.locator('[data-testid="progress"]').waitFor();
      // While it trains, switch panels and back: the page must answer.
      await page.waitForFunction(
        () => Number(document.querySelector('[data-testid="progress"]')?.getAttribute("data-fraction") ?? 0) > 0.05,
        null,
        { timeout: 300_000 },
      );
      const clicked = Date.now();
      await page.click('[data-testid="tab-noise"]');
      await page.locator('[data-testid="busy-elsewhere"]').waitFor({ timeout: 30_000 });
      const answered = Date.now() - clicked;
      const stillRunning = (await page.locator('[data-testid="busy-elsewhere"]').count()) === 1;
      await page.click('[data-testid="tab-train"]');
      await page
        .locator('[data-testid="run-row"][data-status="finished"]')
        .waitFor({ timeout: 480_000 });
      const seconds = (Date.now() - t0) / 1000;
      const tasks = await page.evaluate(() => window.__longTasks);
      const longest = tasks.length ? Math.max(...tasks) : 0;
      const total = tasks.reduce((a, b) => a + b, 0);
      console.log(
        `responsiveness on ${label} (${CONFIG.train_samples} samples, ${CONFIG.epochs} epochs): ` +
          `run ${seconds.toFixed(1)} s; ${tasks.length} long tasks, ` +
          `longest ${longest.toFixed(0)} ms, ${(total / 1000).toFixed(1)} s in long tasks; ` +
          `tab switch answered in ${answered} ms during the run`,
      );
      assert.ok(stillRunning, "the tab switch happened while the run was still going");
      assert.ok(Array.isArray(tasks), "long tasks were observed");
      assert.deepEqual(errors, []);
      await close();
    });
  });
}
