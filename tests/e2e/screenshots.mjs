// Screenshots of each panel after a run, for the README (docs/screenshots/), with the time
// each run took. Not a test: `make screenshots` runs it against `make dist`. Train, Prune
// and Continual run their defaults, as a new user pressing Run would; the others run
// larger configs than the tests' so the curves mean something. All on the CPU backend,
// which is faster than software WebGPU for these small networks, served cross-origin
// isolated as `make serve` and the hosted page (through its service worker) are, so the
// threaded engine trains. Prints each run's time, headline and claim lines.
import { mkdir } from "node:fs/promises";
import { launch, openPage, waitForStartup } from "./browser.js";
import { serve } from "./server.js";
import { link } from "./links.js";

const DIST = new URL("../../dist/", import.meta.url).pathname;
const OUT = new URL("../../docs/screenshots/", import.meta.url).pathname;

const RUNS = {
  // Train, Prune and Continual: the panel's defaults, as a new user presses Run.
  train: [{}],
  prune: [{}],
  noise: [{ train_samples: 2000, test_samples: 1000, epochs: 2, seeds: 3, rounds: 5 }],
  continual: [{}],
  plasticity: [{ train_samples: 2000, test_samples: 1000, epochs: 2 }],
};

const server = await serve(DIST, { isolated: true });
const browser = await launch({ webgpu: false });
await mkdir(OUT, { recursive: true });
try {
  for (const [tab, runs] of Object.entries(RUNS)) {
    const { page, close } = await openPage(browser, { width: 1280, height: 900 });
    for (const values of runs) {
      await page.goto(server.url + "?backend=cpu" + link(tab, values));
      await waitForStartup(page);
      const panel = page.locator(`[data-testid="panel-${tab}"]`);
      const run = panel.locator('[data-testid="run"]');
      await page.waitForFunction((el) => !el.disabled, await run.elementHandle(), { timeout: 60_000 });
      const before = await panel.locator('[data-testid="run-row"][data-status="finished"]').count();
      const t0 = Date.now();
      await run.click();
      await page.waitForFunction(
        (n) =>
          document.querySelectorAll('[data-testid="run-row"][data-status="finished"]').length > n &&
          !document.querySelector('[data-testid="progress"]'),
        before,
        { timeout: 900_000 },
      );
      const after = await panel.locator('[data-testid="run-row"]').count();
      console.log(`${tab}: ${after - before} run(s) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      for (const line of await panel.locator('[data-testid="headline"], [data-testid="paper-claim"]').allInnerTexts()) {
        console.log(`  ${line.replace(/\s+/g, " ").trim()}`);
      }
    }
    await page.locator('[data-testid="link-restored"] button').click().catch(() => {});
    // A window as tall as the page: the Run bar, which sticks to the bottom of the window
    // while the settings scroll, then rests at the end of the settings as after a scroll.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 1280, height });
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${OUT}${tab}.png`, fullPage: true });
    await close();
  }
} finally {
  await browser.close();
  await server.close();
}
