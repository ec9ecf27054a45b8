// End-to-end tests of the five experiment panels against the `make dist` build, served
// cross-origin isolated (as `make serve` serves it, so the CPU route runs the threaded
// engine), with WebGPU (SwiftShader) and with the CPU fallback. Per panel: a shared link
// sets a small config, the run's main chart gains points while it trains, the run lands in the
// history and survives a reload, a malformed link and a corrupt upload show an error and
// lose nothing. A screenshot of each panel after its run goes to build/e2e/.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { launch, openPage, screenshot, waitForStartup } from "./browser.js";
import { serve } from "./server.js";
import { PANELS, link } from "./links.js";

const DIST = new URL("../../dist/", import.meta.url).pathname;
const RUN_TIMEOUT = 480_000;

async function points(page, chart) {
  const value = await page.locator(`[data-testid="chart-${chart}"]`).first().getAttribute("data-points");
  return Number(value ?? 0);
}

for (const [label, webgpu, query] of [
  ["WebGPU", true, ""],
  ["CPU", false, "?backend=cpu"],
]) {
  describe(`panels on ${label}`, () => {
    let server, browser;
    before(async () => {
      assert.ok(existsSync(DIST + "index.html"), `no ${DIST}index.html: run \`make dist\` first`);
      server = await serve(DIST, { isolated: true });
      browser = await launch({ webgpu });
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    for (const [tab, { main, values, runs = 1 }] of Object.entries(PANELS)) {
      test(`${tab}: shared link, run, live chart, history, reload, bad link, bad upload`, async () => {
        const { page, errors, close } = await openPage(browser, { width: 1280, height: 900 });
        const base = server.url + query;

        // A shared link restores the config.
        await page.goto(base + link(tab, values));
        const status = await waitForStartup(page);
        assert.equal(status.state, "ok", status.text);
        assert.equal(status.kind, label);
        const panel = page.locator(`[data-testid="panel-${tab}"]`);
        await panel.locator('[data-testid="link-restored"]').waitFor();
        for (const [key, value] of Object.entries(values)) {
          const field = panel.locator(`[data-testid="field-${key}"]`);
          assert.equal(await field.inputValue(), String(value), `field ${key}`);
        }

        // Run: progress appears, the main chart gains points, the run lands in history.
        const run = panel.locator('[data-testid="run"]');
        await page.waitForFunction((el) => !el.disabled, await run.elementHandle(), { timeout: 60_000 });
        // Watch the main chart while the progress bar is up (a CPU run can be over in
        // under a second, faster than polling would notice).
        await page.evaluate((id) => {
          window.__seen = { progress: false, during: 0 };
          const check = () => {
            if (!document.querySelector('[data-testid="progress"]')) return;
            window.__seen.progress = true;
            const chart = document.querySelector(`[data-testid="chart-${id}"]`);
            const n = Number(chart?.getAttribute("data-points") ?? 0);
            window.__seen.during = Math.max(window.__seen.during, n);
          };
          new MutationObserver(check).observe(document.body, { subtree: true, childList: true, attributes: true });
        }, main);
        const t0 = Date.now();
        await run.click();
        const rows = panel.locator('[data-testid="run-row"][data-status="finished"]');
        await page.waitForFunction(
          ([n]) =>
            document.querySelectorAll('[data-testid="run-row"][data-status="finished"]').length >= n &&
            !document.querySelector('[data-testid="progress"]'),
          [runs],
          { timeout: RUN_TIMEOUT },
        );
        const seen = await page.evaluate(() => window.__seen);
        console.log(`${tab} on ${label}: ${((Date.now() - t0) / 1000).toFixed(1)} s to finish ${runs} run(s)`);
        assert.equal(await rows.count(), runs);
        const after = await points(page, main);
        assert.ok(seen.progress, "the progress bar showed");
        assert.ok(seen.during > 0, "the chart gained points while the run went on");
        assert.ok(after > 0, `the finished run's chart has points (${after})`);
        assert.ok((await panel.locator('[data-testid="headline"]').innerText()).length > 10);
        // What the paper found and whether this run agrees (every panel but Train).
        if (tab !== "train") {
          const claim = await panel.locator('[data-testid="paper-claim"]').first().innerText();
          assert.match(claim, /^Paper: .+ — this run (agrees|does not agree) \(.+\)\.$/);
        }
        const shot = await screenshot(page, `panel-${tab}-${label.toLowerCase()}`);
        assert.ok(shot.ink > 0.02, `${shot.path} nearly blank`);

        // Reload: the run is still there, shown with its chart.
        await page.reload();
        await waitForStartup(page);
        await panel.locator('[data-testid="run-row"]').first().waitFor();
        assert.equal(await rows.count(), runs, "runs survive a reload");
        assert.ok((await points(page, main)) > 0, "the chart is drawn again from the history");

        // A malformed link: an error, settings and runs unchanged.
        await page.goto(base + `#/${tab}?batch=-3&lr=fast`);
        await panel.locator('[data-testid="link-error"]').waitFor();
        assert.match(await panel.locator('[data-testid="link-error"]').innerText(), /cannot be used/);
        assert.equal(
          await panel.locator('[data-testid="field-train_samples"]').inputValue(),
          String(values.train_samples),
          "the form keeps its values",
        );
        assert.equal(await rows.count(), runs);
        await page.goto(base + `#/${tab}?nonsense=%3Cscript%3E`);
        await panel.locator('[data-testid="link-error"]').waitFor();
        assert.match(await panel.locator('[data-testid="link-error"]').innerText(), /nonsense/);

        // A corrupt run file: an error, nothing lost.
        await panel.locator('[data-testid="import-run"]').setInputFiles({
          name: "broken.json",
          mimeType: "application/json",
          buffer: Buffer.from('{"format": 1, "run": {"id": 3'),
        });
        await panel.locator('[data-testid="import-error"]').waitFor();
        assert.match(await panel.locator('[data-testid="import-error"]').innerText(), /Could not import broken\.json/);
        assert.equal(await rows.count(), runs, "no run lost or added");

        // A typed wrong number: an inline message, and Run is disabled.
        await panel.locator('[data-testid="field-train_samples"]').fill("lots");
        await panel.locator('[data-testid="error-train_samples"]').waitFor();
        assert.ok(await run.isDisabled(), "Run is disabled while a field is invalid");

        assert.deepEqual(errors, []);
        await close();
      });
    }
  });
}

describe("history export and import", () => {
  let server, browser;
  before(async () => {
    server = await serve(DIST, { isolated: true });
    browser = await launch({ webgpu: false });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("a run exported as JSON imports back; CSV and chart downloads work", async () => {
    const { page, errors, close } = await openPage(browser);
    await page.goto(server.url + "?backend=cpu" + link("train", PANELS.train.values));
    await waitForStartup(page);
    const panel = page.locator('[data-testid="panel-train"]');
    const run = panel.locator('[data-testid="run"]');
    await page.waitForFunction((el) => !el.disabled, await run.elementHandle(), { timeout: 60_000 });
    await run.click();
    const row = panel.locator('[data-testid="run-row"][data-status="finished"]');
    await row.waitFor({ timeout: RUN_TIMEOUT });

    const [json] = await Promise.all([page.waitForEvent("download"), row.locator('[data-testid="export-json"]').click()]);
    const path = await json.path();
    const [csv] = await Promise.all([page.waitForEvent("download"), row.locator('[data-testid="export-csv"]').click()]);
    const { readFile } = await import("node:fs/promises");
    const text = await readFile(await csv.path(), "utf8");
    assert.match(text, /^series,x,metric,value\n/);
    assert.match(text, /model,\d+,test_accuracy,/);
    const [svg] = await Promise.all([
      page.waitForEvent("download"),
      panel.locator('[data-testid="chart-accuracy"] button', { hasText: "SVG" }).click(),
    ]);
    assert.match(await readFile(await svg.path(), "utf8"), /<svg[^>]*xmlns/);
    const [png] = await Promise.all([
      page.waitForEvent("download"),
      panel.locator('[data-testid="chart-accuracy"] button', { hasText: "PNG" }).click(),
    ]);
    const bytes = await readFile(await png.path());
    assert.deepEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG file");

    // Delete the run, then import the file: it comes back with its chart.
    await row.locator('[data-testid="delete-run"]').click();
    await row.waitFor({ state: "detached" });
    await panel.locator('[data-testid="import-run"]').setInputFiles(path);
    await panel.locator('[data-testid="import-ok"]').waitFor();
    await row.waitFor();
    assert.ok(Number(await panel.locator('[data-testid="chart-accuracy"]').getAttribute("data-points")) > 0);

    // Hostile files are refused with the reason and change nothing: one over the 16 MB cap
    // (refused on its size, before it is read), and a well-formed one whose curve is longer
    // than any run makes.
    const rows = panel.locator('[data-testid="run-row"]');
    const before = await rows.count();
    const importError = panel.locator('[data-testid="import-error"]');
    await panel.locator('[data-testid="import-run"]').setInputFiles({
      name: "huge.json",
      mimeType: "application/json",
      buffer: Buffer.alloc(17_000_000, 0x20),
    });
    await importError.waitFor();
    assert.match(await importError.innerText(), /huge\.json: the file is 17\.0 MB; run files of at most 16\.0 MB are accepted/);
    const file = JSON.parse(await readFile(path, "utf8"));
    file.run.id = "tampered";
    file.run.result.fit.curve = Array.from({ length: 60_000 }, (_, i) => [i, 0.5]);
    await panel.locator('[data-testid="import-run"]').setInputFiles({
      name: "tampered.json",
      mimeType: "application/json",
      buffer: Buffer.from(JSON.stringify(file)),
    });
    await page.waitForFunction(
      (el) => el.innerText.includes("tampered.json"),
      await importError.elementHandle(),
    );
    assert.match(await importError.innerText(), /accuracy curve has 60000 entries where at most 50000 are possible/);
    assert.equal(await rows.count(), before, "no run added or lost");
    assert.deepEqual(errors, []);
    await close();
  });
});
