// End-to-end test of a WebGPU device lost mid-run (issue 16): the test destroys the
// engine worker's GPUDevice while a run trains, as a driver reset or a GPU process crash
// would take it away. The run must stop with a message that says so and keep the curves
// it measured; the page must offer WebGPU again and the CPU, and both must train again
// without a reload.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { launch, openPage, prependToEngineWorker, screenshot, waitForStartup } from "./browser.js";
import { link } from "./links.js";
import { serve } from "./server.js";

const DIST = new URL("../../dist/", import.meta.url).pathname;

// Run in the engine worker before its module (prependToEngineWorker): keeps every
// GPUDevice the worker asks for, so the test can destroy it.
const KEEP_DEVICES = `(() => {
  const request = GPUAdapter.prototype.requestDevice;
  self.__devices = [];
  GPUAdapter.prototype.requestDevice = async function (...args) {
    const device = await request.apply(this, args);
    self.__devices.push(device);
    return device;
  };
})();
`;

// Long enough that the loss lands mid-run on SwiftShader.
const LONG = { train_samples: 6000, test_samples: 200, hidden: "64", epochs: 4, batch: 32, eval_every: 4 };
const SHORT = { train_samples: 300, test_samples: 100, hidden: "32", epochs: 1, batch: 30, eval_every: 2 };

let server, browser;
before(async () => {
  assert.ok(existsSync(DIST + "index.html"), `no ${DIST}index.html: run \`make dist\` first`);
  server = await serve(DIST);
  browser = await launch({ webgpu: true });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** Destroys the GPU devices of every live worker; returns how many. */
async function destroyDevices(page) {
  let n = 0;
  for (const worker of page.workers()) {
    n += await worker.evaluate(() => {
      const devices = self.__devices || [];
      for (const d of devices) d.destroy();
      return devices.length;
    });
  }
  return n;
}

async function setFields(panel, values) {
  for (const [key, value] of Object.entries(values)) {
    await panel.locator(`[data-testid="field-${key}"]`).fill(String(value));
  }
}

test("a WebGPU device lost mid-run: the run says so and keeps its curves; WebGPU and the CPU start again without a reload", async () => {
  const { page, errors, close } = await openPage(browser);
  await prependToEngineWorker(page, KEEP_DEVICES);
  await page.goto(server.url + link("train", LONG));
  const status = await waitForStartup(page);
  assert.equal(status.kind, "WebGPU", status.text);
  const panel = page.locator('[data-testid="panel-train"]');
  const run = panel.locator('[data-testid="run"]');
  const enabled = () => page.waitForFunction((el) => !el.disabled, run.elementHandle(), { timeout: 240_000 });
  await enabled();
  await run.click();
  // Wait for measured points, then take the device away.
  await page.waitForFunction(
    () => Number(document.querySelector('[data-testid="panel-train"] [data-testid="chart-loss"]')?.dataset.points) >= 3,
    null,
    { timeout: 240_000 },
  );
  assert.equal(await destroyDevices(page), 1, "one device, in the engine worker");

  // The run stops, failed, naming the loss; its curves so far are shown.
  const failed = panel.locator('[data-testid="run-row"][data-status="failed"]');
  await failed.waitFor({ timeout: 60_000 });
  const notice = await panel.locator('[data-testid="run-error"]').innerText();
  assert.match(notice, /WebGPU device was lost during the run \(the device was destroyed/);
  assert.match(notice, /curves up to that point are kept/);
  const kept = Number(await panel.locator('[data-testid="chart-loss"]').getAttribute("data-points"));
  assert.ok(kept >= 3, `the failed run's loss curve is kept (${kept} points)`);
  await panel.locator('[data-testid="run-summary"]').filter({ hasText: "WebGPU device was lost" }).waitFor();

  // The status line says what happened and offers both ways on; no run starts meanwhile.
  const lost = page.locator('[data-testid="probe-status"][data-state="lost"]');
  await lost.waitFor({ timeout: 30_000 });
  assert.match(await lost.innerText(), /device was lost \(it was destroyed/);
  assert.equal(await run.isDisabled(), true);
  assert.match(await run.getAttribute("title"), /start WebGPU again or use the CPU/);
  await screenshot(page, "device-lost-1280x800");

  // WebGPU again, in a new engine, without a reload: a short run finishes on it.
  await page.locator('[data-testid="restart-webgpu"]').click();
  const again = await waitForStartup(page);
  assert.equal(again.state, "ok", again.text);
  assert.equal(again.kind, "WebGPU");
  await setFields(panel, SHORT);
  await enabled();
  await run.click();
  await panel.locator('[data-testid="run-row"][data-status="finished"]').waitFor({ timeout: 240_000 });

  // Lost again, between runs this time: the CPU takes over, and a run finishes there.
  assert.equal(await destroyDevices(page), 1, "the new engine's one device");
  await lost.waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="use-cpu"]').click();
  const cpu = await waitForStartup(page);
  assert.equal(cpu.state, "ok", cpu.text);
  assert.equal(cpu.kind, "CPU");
  await enabled();
  await run.click();
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="panel-train"] [data-testid="run-row"][data-status="finished"]').length === 2,
    null,
    { timeout: 240_000 },
  );
  assert.equal(await panel.locator('[data-testid="run-row"]').count(), 3, "every run kept");
  assert.equal(await failed.count(), 1);
  console.log(`device loss: ${kept} loss points kept; console errors: ${JSON.stringify(errors)}`);
  // What the browser and wgpu log about the loss itself is expected; nothing else is.
  assert.deepEqual(errors.filter((e) => !/lost|destroyed/i.test(e)), []);
  await close();
});
