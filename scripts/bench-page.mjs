// What the scripts that drive the bench page share. `openBench`: the arguments of
// scripts/profile.mjs and scripts/profile-workers.mjs (`<bench dist dir> [page query] [top
// N]`), the bench build served cross-origin isolated (so `threads=N` in the query works) to
// a headless Chromium (with WebGPU unless the query asks for the CPU). `waitForText` and
// `benchReport`: the wait for a page's report, for those and for scripts/bench.mjs and
// scripts/thread-scaling.mjs (BENCH_POLL=raf polls on every animation frame, as before
// 2026-12-07, for comparing with older figures).
import { launch } from "../tests/e2e/browser.js";
import { serve } from "../tests/e2e/server.js";

/** Parses `script`'s arguments (or exits with its usage) and starts the server and browser. */
export async function openBench(script, defaultQuery, defaultTop) {
  const [dist, query = defaultQuery, top = defaultTop] = process.argv.slice(2);
  if (!dist) {
    console.error(`usage: node scripts/${script} <bench dist dir> [page query] [top N]`);
    process.exit(2);
  }
  const server = await serve(dist, { isolated: true });
  const browser = await launch({ webgpu: !/backend=cpu/.test(query) });
  return { query, top: Number(top), server, browser };
}

/**
 * Waits until the element `selector` of `page` has text (up to 20 minutes), looking twice
 * a second. Playwright's default polls on every animation frame, which keeps the page
 * drawing 60 frames a second for the whole run: on two cores that work competes with the
 * engine's threads, and more so the more threads the pool has (docs/benchmarks.md).
 */
export async function waitForText(page, selector) {
  await page.waitForFunction((s) => (document.querySelector(s)?.textContent || "").length > 2, selector, {
    timeout: 1_200_000,
    polling: process.env.BENCH_POLL === "raf" ? "raf" : 500,
  });
}

/** Waits for the bench page's report and returns it parsed. */
export async function benchReport(page) {
  const json = '[data-testid="bench-json"]';
  await waitForText(page, json);
  return JSON.parse(await page.locator(json).innerText());
}
