// End-to-end test of a trained network taken away and brought back, against the `make
// dist` build on the CPU: a Train run offers its network as a .safetensors download; the
// Noise panel loads it and tests it (clean and under its noise levels) with the same test
// accuracy as the native runner's `bioplay eval` (within 1e-6) and as the run that saved
// it; a damaged file is refused with its reason and changes nothing.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPage } from "./browser.js";
import { PANELS } from "./links.js";
import { openPanel, siteAndBrowser } from "./site.js";
const ROOT = new URL("../../", import.meta.url).pathname;

/** The native runner, built (debug) if `make test-native` has not built it already. */
function runner() {
  execFileSync("cargo", ["build", "--locked", "-p", "bioplay-runner"], { cwd: ROOT, stdio: "inherit" });
  const target = process.env.CARGO_TARGET_DIR || join(ROOT, "target");
  const binary = join(target, "debug", "bioplay");
  assert.ok(existsSync(binary), `no runner at ${binary}`);
  return binary;
}

describe("a trained network to take away", () => {
  const site = siteAndBrowser();

  test("download, load in the Noise panel and in the runner: same accuracy; a damaged file is refused", async () => {
    const { page, errors, close } = await openPage(site.browser, { width: 1280, height: 900 });
    const { panel: train, run } = await openPanel(page, site.server.url, "train", PANELS.train.values);
    await run.click();
    const button = train.locator('[data-testid="download-model"]');
    await button.waitFor({ timeout: 300_000 });
    const [download] = await Promise.all([page.waitForEvent("download"), button.click()]);
    assert.match(download.suggestedFilename(), /^bioplay-train-.+\.safetensors$/);
    const dir = mkdtempSync(join(tmpdir(), "bioplay-model-"));
    const file = join(dir, "model.safetensors");
    await download.saveAs(file);
    const bytes = readFileSync(file);
    // safetensors: an 8-byte little-endian header length, then the JSON header.
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8"));
    assert.equal(header.__metadata__.format, "bioplay-model");
    assert.equal(header.__metadata__.version, "1");
    assert.deepEqual(header["fc1.weight"].shape, [784, 32]);
    const saved = Number(header.__metadata__.test_accuracy);

    // The native runner.
    const report = JSON.parse(execFileSync(runner(), ["eval", file, "--json", "--data-dir", join(ROOT, "static/data")], { encoding: "utf8" }));
    assert.ok(Math.abs(report.accuracy - saved) <= 1e-6, `runner ${report.accuracy} vs saved ${saved}`);

    // The page: the Noise panel tests it, clean and at its noise levels.
    await page.goto(site.server.url + "?backend=cpu#/noise");
    const noise = page.locator('[data-testid="panel-noise"]');
    await noise.locator('[data-testid="model-file"]').setInputFiles(file);
    const result = noise.locator('[data-testid="model-result"]');
    await result.waitFor({ timeout: 120_000 });
    const inPage = Number(await result.getAttribute("data-accuracy"));
    console.log(`saved ${saved}, runner ${report.accuracy} (${report.correct} of ${report.total}), page ${inPage}`);
    assert.ok(Math.abs(inPage - report.accuracy) <= 1e-6, `page ${inPage} vs runner ${report.accuracy}`);
    const points = Number(await result.locator('[data-testid="chart-model-noise"]').getAttribute("data-points"));
    assert.ok(points >= 2, `noise levels tested: ${points}`);
    const history = await page.locator('[data-testid="run-row"]').count();

    // A damaged file: refused with the reason; the result shown and the history stay.
    const broken = join(dir, "broken.safetensors");
    writeFileSync(broken, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await noise.locator('[data-testid="model-file"]').setInputFiles(broken);
    const error = noise.locator('[data-testid="model-error"]');
    await error.waitFor({ timeout: 60_000 });
    assert.match(await error.innerText(), /broken\.safetensors was not loaded: this is not a readable safetensors file/);
    assert.equal(Number(await result.getAttribute("data-accuracy")), inPage);
    assert.equal(await page.locator('[data-testid="run-row"]').count(), history);

    assert.deepEqual(errors, [], errors.join("\n"));
    await close();
  });
});
