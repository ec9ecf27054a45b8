// Long-run soak (issue 16): a 2,000-step training run on the CPU and a 500-step run on
// WebGPU, sampling once a second the engine worker's wasm linear memory and the resident
// memory of the browser's renderer and GPU processes (/proc on Linux, found through the
// DevTools protocol). After warm-up (the first fifth of the run) each must stay within 10%
// of where it was: a leak per step would grow with the steps. Prints the figures.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { launch, openPage, prependToEngineWorker, waitForStartup } from "./browser.js";
import { link } from "./links.js";
import { serve } from "./server.js";

const DIST = new URL("../../dist/", import.meta.url).pathname;
const WARM_UP = 0.2;
const FLAT = 0.1;

// Run in the engine worker before its module (prependToEngineWorker): keeps the wasm
// instance's memory where the test can read its size.
const KEEP_MEMORY = `(() => {
  const keep = (result) => {
    const instance = result.instance || result;
    if (instance.exports && instance.exports.memory) self.__memory = instance.exports.memory;
    return result;
  };
  const streaming = WebAssembly.instantiateStreaming;
  const plain = WebAssembly.instantiate;
  WebAssembly.instantiateStreaming = (...args) => streaming.apply(WebAssembly, args).then(keep);
  WebAssembly.instantiate = (...args) => plain.apply(WebAssembly, args).then(keep);
})();
`;

/** Resident and peak resident memory of a process, in bytes (Linux /proc). */
function processMemory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"))?.[1] ?? NaN) * 1024;
    return { rss: kb("VmRSS"), peak: kb("VmHWM") };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}

const MB = (bytes) => (bytes / 1048576).toFixed(1);

const RUNS = [
  // 6,400 samples / batch 32 = 200 steps an epoch.
  { label: "CPU", webgpu: false, query: "?backend=cpu", steps: 2000, values: { train_samples: 6400, test_samples: 500, hidden: "64", epochs: 10, batch: 32, eval_every: 2 } },
  { label: "WebGPU", webgpu: true, query: "", steps: 500, values: { train_samples: 3200, test_samples: 500, hidden: "64", epochs: 5, batch: 32, eval_every: 2 } },
];

before(() => {
  assert.ok(existsSync(DIST + "index.html"), `no ${DIST}index.html: run \`make dist\` first`);
});

for (const { label, webgpu, query, steps, values } of RUNS) {
  describe(`soak on the ${label}`, () => {
    let server, browser;
    before(async () => {
      server = await serve(DIST);
      browser = await launch({ webgpu });
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test(`${steps} steps: wasm memory, renderer and GPU process memory stay flat after warm-up`, async () => {
      const { page, errors, close } = await openPage(browser);
      await prependToEngineWorker(page, KEEP_MEMORY);
      await page.goto(server.url + query + link("train", values));
      const status = await waitForStartup(page);
      assert.equal(status.kind, label, status.text);
      const panel = page.locator('[data-testid="panel-train"]');
      const run = panel.locator('[data-testid="run"]');
      await page.waitForFunction((el) => !el.disabled, await run.elementHandle(), { timeout: 240_000 });

      const cdp = await browser.newBrowserCDPSession();
      const { processInfo } = await cdp.send("SystemInfo.getProcessInfo");
      const gpu = processInfo.find((p) => p.type === "GPU")?.id;
      const renderers = processInfo.filter((p) => p.type === "renderer").map((p) => p.id);
      assert.ok(renderers.length > 0, "renderer processes found");
      const worker = page.workers().find((w) => w.url().includes("bioplay-worker_loader.js"));
      assert.ok(worker, "the engine worker");

      const samples = [];
      const sample = async () => {
        // The training steps only: the one-time measurements of the final network after
        // them (confusion matrix, train accuracy, the model file) are not a leak.
        const { fraction, last } = await page.evaluate(() => {
          const progress = document.querySelector('[data-testid="progress"]');
          return {
            fraction: Number(progress?.getAttribute("data-fraction") ?? 1),
            last: /measuring the final network/.test(progress?.textContent ?? ""),
          };
        });
        const wasm = await worker.evaluate(() => self.__memory?.buffer.byteLength ?? NaN);
        // The page's renderer (it hosts the worker) is the largest one; the others are spares.
        const renderer = renderers.map(processMemory).reduce((a, b) => (b.rss > a.rss ? b : a));
        samples.push({ t: Date.now(), fraction, last, wasm, renderer: renderer.rss, gpu: gpu ? processMemory(gpu).rss : NaN });
      };
      await sample();
      await run.click();
      const finished = panel.locator('[data-testid="run-row"][data-status="finished"]');
      const started = Date.now();
      while ((await finished.count()) === 0) {
        assert.ok(Date.now() - started < 480_000, "the soak run finishes within 8 minutes");
        await sample();
        await page.waitForTimeout(1000);
      }
      const seconds = (Date.now() - started) / 1000;
      const peaks = { renderer: Math.max(...renderers.map((p) => processMemory(p).peak)), gpu: gpu ? processMemory(gpu).peak : NaN };
      await cdp.detach();

      // The worker names the last phase as it begins it, but the page may show it a
      // moment later: the last sample before the page did may already include the
      // phase's memory, so it is left out too.
      const during = samples
        .slice(1)
        .filter((s) => !s.last && s.fraction > 0 && s.fraction < 1)
        .slice(0, -1);
      const warm = during.find((s) => s.fraction >= WARM_UP);
      assert.ok(warm && during.length >= 5, `enough samples after warm-up (${during.length} in all)`);
      const after = during.filter((s) => s.t >= warm.t);
      const report = {};
      for (const key of ["wasm", "renderer", ...(webgpu ? ["gpu"] : [])]) {
        const max = Math.max(...after.map((s) => s[key]));
        report[key] = { before: samples[0][key], warm: warm[key], max, growth: max / warm[key] - 1 };
      }
      console.log(
        `soak ${label}: ${steps} steps in ${seconds.toFixed(0)} s, ${samples.length} samples; ` +
          Object.entries(report)
            .map(([k, r]) => `${k} ${MB(r.before)} MB before, ${MB(r.warm)} MB after warm-up, max ${MB(r.max)} MB (${(100 * r.growth).toFixed(1)}%)`)
            .join("; ") +
          `; process peaks: renderer ${MB(peaks.renderer)} MB, GPU ${MB(peaks.gpu)} MB`,
      );
      for (const [key, r] of Object.entries(report)) {
        assert.ok(Number.isFinite(r.growth), `${key} was measured`);
        assert.ok(r.growth <= FLAT, `${key} grew ${(100 * r.growth).toFixed(1)}% after warm-up (more than ${100 * FLAT}%)`);
      }
      assert.deepEqual(errors, []);
      await close();
    });
  });
}
