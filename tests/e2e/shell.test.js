// End-to-end tests of the app shell, against the `make dist` build served from a sub-path
// on 127.0.0.1, in Debian's headless Chromium: with WebGPU flags the app must run on
// WebGPU, without them on the CPU fallback; no console errors; screenshots under
// build/e2e/ must show real content; broken environments get words, not a blank page.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { launch, openPage, screenshot, waitForStartup } from "./browser.js";
import { serve } from "./server.js";

const DIST = new URL("../../dist/", import.meta.url).pathname;
const TABS = ["train", "prune", "noise", "continual", "plasticity"];

function assertHasContent(shot) {
  assert.ok(shot.ink > 0.02, `${shot.path} is nearly blank (${(shot.ink * 100).toFixed(2)}% ink)`);
  assert.ok(shot.colours >= 8, `${shot.path} has only ${shot.colours} colours`);
}

before(() => {
  assert.ok(existsSync(DIST + "index.html"), `no ${DIST}index.html: run \`make dist\` first`);
});

describe("with WebGPU (SwiftShader)", () => {
  let server, browser;
  before(async () => {
    server = await serve(DIST);
    browser = await launch({ webgpu: true });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("starts on WebGPU, passes the autodiff check, no console errors", async () => {
    const { page, errors, close } = await openPage(browser);
    const t0 = Date.now();
    await page.goto(server.url);
    const status = await waitForStartup(page);
    console.log(`first start on WebGPU: ${((Date.now() - t0) / 1000).toFixed(1)} s to a checked device`);
    assert.equal(status.state, "ok", status.text);
    assert.equal(status.kind, "WebGPU");
    assert.ok(status.adapter.length > 0, "adapter name shown");
    assert.equal(await page.locator('[data-testid="fallback-notice"]').count(), 0);
    assert.equal(await page.locator('[data-testid="boot"]').count(), 0, "loader removed");
    const shot = await screenshot(page, "webgpu-1280x800");
    assertHasContent(shot);
    assert.deepEqual(errors, []);
    await close();
  });

  test("runs under its content-security policy with no violation", async () => {
    const { page, errors, close } = await openPage(browser);
    await page.addInitScript(() => {
      window.__violations = [];
      document.addEventListener("securitypolicyviolation", (e) =>
        window.__violations.push(`${e.violatedDirective}: ${e.blockedURI || e.sample}`),
      );
    });
    await page.goto(server.url + "#/train?train_samples=300&test_samples=100&hidden=32&epochs=1&batch=30");
    await waitForStartup(page);
    const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content");
    assert.match(policy, /script-src 'self' 'wasm-unsafe-eval' 'sha256-/);
    assert.doesNotMatch(policy, /unsafe-inline|'unsafe-eval'/);
    // A run (the worker, WebGPU, the charts), a hover (the tooltip is placed by style), an
    // export: everything the page does, under the policy.
    const panel = page.locator('[data-testid="panel-train"]');
    const run = panel.locator('[data-testid="run"]');
    await page.waitForFunction((el) => !el.disabled, await run.elementHandle(), { timeout: 60_000 });
    await run.click();
    const row = panel.locator('[data-testid="run-row"][data-status="finished"]');
    await row.waitFor({ timeout: 240_000 });
    const chart = panel.locator('[data-testid="chart-accuracy"] .chart-svg svg').first();
    // The finished run's chart is drawn once its box is measured: hover after that, with
    // the chart in the window (a full-width chart can reach below an 800 px window).
    await page.waitForTimeout(300);
    await chart.scrollIntoViewIfNeeded();
    const box = await chart.boundingBox();
    await page.mouse.move(box.x + box.width * 0.7 - 5, box.y + box.height * 0.5);
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.5, { steps: 3 });
    const tip = panel.locator('[data-testid="chart-accuracy-tip"]');
    await tip.waitFor();
    assert.notEqual(await tip.evaluate((el) => el.style.left), "", "the tooltip is placed");
    await Promise.all([page.waitForEvent("download"), row.locator('[data-testid="export-json"]').click()]);
    assert.deepEqual(await page.evaluate(() => window.__violations), []);
    assert.deepEqual(errors, []);
    await close();
  });

  test("navigates between the five panels by hash", async () => {
    const { page, errors, close } = await openPage(browser);
    await page.goto(server.url + "#/noise");
    await page.locator('[data-testid="panel-noise"]').waitFor();
    for (const tab of TABS) {
      await page.click(`[data-testid="tab-${tab}"]`);
      await page.locator(`[data-testid="panel-${tab}"]`).waitFor();
      assert.ok(page.url().endsWith(`#/${tab}`), page.url());
      const heading = await page.locator(`[data-testid="panel-${tab}"] h2`).innerText();
      assert.ok(heading.length > 10, `panel ${tab} has a heading`);
    }
    await page.goBack();
    await page.locator('[data-testid="panel-continual"]').waitFor();
    await waitForStartup(page);
    assert.deepEqual(errors, []);
    await close();
  });

  test("the Continual panel's paper settings fill in the form and bring the defaults back", async () => {
    const { page, errors, close } = await openPage(browser);
    await page.goto(server.url + "#/continual");
    const panel = page.locator('[data-testid="panel-continual"]');
    await panel.locator('[data-testid="preset-split_cnn"]').waitFor();
    const field = (key) => panel.locator(`[data-testid="field-${key}"]`);
    assert.equal(await field("dataset").inputValue(), "mnist");
    await panel.locator('[data-testid="preset-split_cnn"]').click();
    assert.equal(await field("dataset").inputValue(), "fashion-mnist");
    assert.equal(await field("model").inputValue(), "conv2");
    assert.equal(await field("sequence").inputValue(), "split");
    assert.equal(await field("conv_kwta").inputValue(), "0.2");
    assert.equal(await panel.locator('[data-testid^="error-"]').count(), 0, "the preset is a valid form");
    await panel.locator('[data-testid="preset-permuted_mlp"]').click();
    assert.equal(await field("dataset").inputValue(), "mnist");
    assert.equal(await field("model").inputValue(), "mlp");
    assert.equal(await field("conv_kwta").inputValue(), "");
    await waitForStartup(page);
    assert.deepEqual(errors, []);
    await close();
  });

  test("switching to the CPU is remembered across a reload", async () => {
    const { page, errors, close } = await openPage(browser);
    await page.goto(server.url);
    assert.equal((await waitForStartup(page)).kind, "WebGPU");
    await page.selectOption('[data-testid="backend-select"]', "cpu");
    await page.locator('[data-testid="backend-kind"][data-kind="cpu"]').waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('[data-testid="fallback-notice"]').count(), 0, "a chosen CPU is no warning");
    await page.reload();
    const again = await waitForStartup(page);
    assert.equal(again.kind, "CPU");
    assert.equal(await page.locator('[data-testid="backend-select"]').inputValue(), "cpu");
    assert.deepEqual(errors, []);
    await close();
  });

  test("a bad ?backend= value is reported inline and the app still runs", async () => {
    const { page, errors, close } = await openPage(browser);
    await page.goto(server.url + "?backend=%3Cscript%3Etpu");
    const message = await page.locator('[data-testid="pref-error"]').innerText();
    assert.match(message, /unknown backend .*expected auto, webgpu or cpu/);
    assert.equal((await waitForStartup(page)).state, "ok");
    assert.deepEqual(errors, []);
    await close();
  });

  for (const [width, height] of [
    [1280, 800],
    [390, 844],
  ]) {
    test(`the settings show every field without a scroll box of their own, Run in reach, at ${width} px`, async () => {
      const { page, errors, close } = await openPage(browser, { width, height });
      await page.goto(server.url + "#/continual");
      await waitForStartup(page);
      const settings = page.locator('[data-testid="panel-continual"] .settings');
      const box = await settings.evaluate((el) => ({
        overflow: getComputedStyle(el).overflowY,
        hidden: el.scrollHeight - el.clientHeight,
        fields: el.querySelectorAll("[data-testid^='field-']").length,
      }));
      assert.equal(box.overflow, "visible", "no scroll box");
      assert.ok(box.hidden <= 1, `${box.hidden}px of the settings hidden in their own box`);
      assert.ok(box.fields >= 10, `${box.fields} fields`);
      // The form is taller than the window, yet with its top in view, Run is on screen too.
      await settings.evaluate((el) => el.scrollIntoView());
      const run = await page.locator('[data-testid="panel-continual"] [data-testid="run"]').boundingBox();
      assert.ok(run.y >= 0 && run.y + run.height <= height, `Run at y=${run.y} in a ${height}px window`);
      await page.mouse.wheel(0, 600);
      await page.waitForTimeout(200);
      const scrolled = await page.locator('[data-testid="panel-continual"] [data-testid="run"]').boundingBox();
      assert.ok(scrolled.y >= 0 && scrolled.y + scrolled.height <= height, `Run still on screen after a scroll (y=${scrolled.y})`);
      assert.deepEqual(errors, []);
      await close();
    });
  }

  test("looks finished on a phone-width screen", async () => {
    const { page, errors, close } = await openPage(browser, { width: 390, height: 844 });
    await page.goto(server.url + "#/prune");
    await waitForStartup(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
    assertHasContent(await screenshot(page, "phone-390x844"));
    assert.deepEqual(errors, []);
    await close();
  });
});

describe("without WebGPU", () => {
  let server, browser;
  before(async () => {
    server = await serve(DIST);
    browser = await launch({ webgpu: false });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("falls back to the CPU and says why", async () => {
    const { page, errors, close } = await openPage(browser);
    const t0 = Date.now();
    await page.goto(server.url);
    const status = await waitForStartup(page);
    console.log(`first start on the CPU fallback: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(status.state, "ok", status.text);
    assert.equal(status.kind, "CPU");
    const notice = page.locator('[data-testid="fallback-notice"]');
    const reason = await notice.getAttribute("data-reason");
    assert.ok(["no-webgpu", "no-adapter"].includes(reason), `reason ${reason}`);
    assert.match(await notice.innerText(), /runs on the CPU/);
    assertHasContent(await screenshot(page, "cpu-fallback-1280x800"));
    assert.deepEqual(errors, []);
    await close();
  });

  test("the page's tabs and form are drawn within a second, before the engine is ready", async () => {
    const { page, errors, close } = await openPage(browser);
    // Times from navigation (performance.now()) at which the tabs and the first panel's
    // form were first on screen, and the status line left "starting".
    await page.addInitScript(() => {
      window.__marks = { painted: null, ready: null };
      new MutationObserver(() => {
        const now = performance.now();
        const m = window.__marks;
        if (m.painted === null && document.querySelector('[data-testid="tab-plasticity"]') && document.querySelector('[data-testid="panel-train"] form')) m.painted = now;
        if (m.ready === null && document.querySelector('[data-testid="probe-status"]:not([data-state="starting"])')) m.ready = now;
      }).observe(document, { subtree: true, childList: true, attributes: true });
    });
    await page.goto(server.url + "?backend=cpu");
    await waitForStartup(page);
    const { painted, ready } = await page.evaluate(() => window.__marks);
    console.log(`page drawn ${painted.toFixed(0)} ms after navigation, CPU engine ready at ${ready.toFixed(0)} ms`);
    assert.ok(painted < 1000, `tabs and form drawn after ${painted.toFixed(0)} ms`);
    assert.ok(painted < ready, "drawn before the engine was ready");
    assert.deepEqual(errors, []);
    await close();
  });
});

describe("broken deployment", () => {
  let browser;
  before(async () => {
    browser = await launch({ webgpu: false });
  });
  after(async () => {
    await browser?.close();
  });

  for (const [what, breakage, shot] of [
    ["the .wasm", { breakWasm: true }, "wasm-load-error"],
    ["the JavaScript glue", { breakJs: true }, "js-load-error"],
  ]) {
    test(`${what} failing to load gives a clear message, not a blank page`, async () => {
      const server = await serve(DIST, breakage);
      const { page, close } = await openPage(browser);
      await page.goto(server.url);
      const error = page.locator('[data-testid="boot-error"]');
      await error.waitFor({ timeout: 60_000 });
      assert.match(await error.innerText(), /could not be loaded/);
      assertHasContent(await screenshot(page, shot));
      await close();
      await server.close();
    });
  }
});
