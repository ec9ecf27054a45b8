// Launches Debian's Chromium through playwright-core (nothing downloads a browser) and
// wraps a page with what the tests look at: console errors, the app's status line, and
// screenshots checked for real content.
import { mkdir } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { PNG } from "pngjs";

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const SHOTS = new URL("../../build/e2e/", import.meta.url).pathname;

const QUIET = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
const WEBGPU = ["--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader"];

/** Starts headless Chromium, with or without WebGPU (`args`: more command-line switches). */
export async function launch({ webgpu, args = [] }) {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...QUIET, ...(webgpu ? WEBGPU : []), ...args],
  });
}

/**
 * Opens a page that records console errors and uncaught exceptions. Service workers are
 * blocked unless asked for (`serviceWorkers: "allow"`): the site's coi-sw.js reloads a
 * page once when it first takes control, which only the tests of it should see.
 */
export async function openPage(browser, { width = 1280, height = 800, serviceWorkers = "block" } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, serviceWorkers });
  const page = await context.newPage();
  const errors = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  page.on("pageerror", (err) => errors.push(String(err)));
  return { page, errors, close: () => context.close() };
}

/**
 * Runs `code` in the single-threaded engine worker before its module loads (prepended to
 * the worker's loader script), for tests that must reach into the worker: the app never
 * sees it.
 */
export async function prependToEngineWorker(page, code) {
  await page.route("**/bioplay-worker_loader.js", async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: code + (await response.text()) });
  });
}

/**
 * Resolves once the page's progress bar shows more than `fraction` done. Polled every 100
 * ms, not on every animation frame (Playwright's default), which would keep the page
 * drawing 60 frames a second during the run the caller then measures.
 */
export async function progressPast(page, fraction) {
  await page.waitForFunction(
    (f) => Number(document.querySelector('[data-testid="progress"]')?.getAttribute("data-fraction") ?? 0) > f,
    fraction,
    { timeout: 300_000, polling: 100 },
  );
}

/**
 * Clicks `click` in the page and resolves to the click's window in the page's
 * `performance.now()` clock: `[from, to]`, from just before the click to the first
 * animation frame in which `shown` is visible (and holds `text`, if given).
 */
export function clickUntilShown(page, click, shown, text = null) {
  return page.evaluate(
    ([click, shown, text]) =>
      new Promise((resolve) => {
        const from = performance.now();
        document.querySelector(click).click();
        const check = () => {
          const el = document.querySelector(shown);
          if (el && el.checkVisibility() && (!text || el.textContent.includes(text))) resolve([from, performance.now()]);
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      }),
    [click, shown, text],
  );
}

/**
 * Records the page's main thread with Chromium's tracing (category "toplevel": every task
 * with its wall time and the thread's own CPU time), to tell a task that worked long from
 * one that waited for a core. Start it before the moments of interest; the returned `stop()`
 * resolves to `{ cpuOfTask, cpuIn, lastTask }` in the page's `performance.now()` clock:
 * `cpuOfTask(start, duration)` is the CPU time in ms of the one traced task that a long-task
 * entry stands for (starting within 1 ms of it and lasting at least 90% as long), or null
 * when the trace has no such task; `cpuIn(from, to)` is the CPU time of the tasks that
 * overlap a window, or null when none does; `lastTask` is when the last traced task of the
 * page's thread ended (the trace stops recording when its buffer fills).
 */
export async function tracePageThread(browser, page) {
  await browser.startTracing(page, { categories: ["toplevel", "blink.user_timing"] });
  // A user-timing mark ties the trace's clock to the page's: it is recorded on the page's
  // thread, so it also names that thread among the trace's.
  const zero = await page.evaluate(() => performance.mark("bioplay-trace-zero").startTime);
  return async () => {
    const events = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
    const mark = events.find((e) => e.name === "bioplay-trace-zero");
    if (!mark) throw new Error("the trace has no clock mark");
    const base = mark.ts - zero * 1000; // trace microseconds at performance.now() = 0
    const tasks = events
      .filter((e) => e.pid === mark.pid && e.tid === mark.tid && e.ph === "X" && e.name === "ThreadControllerImpl::RunTask" && e.tdur !== undefined)
      .map((e) => ({ start: (e.ts - base) / 1000, duration: e.dur / 1000, cpu: e.tdur / 1000 }));
    if (tasks.length === 0) throw new Error("the trace has no task of the page's thread with its CPU time");
    const cpuOfTask = (start, duration) => {
      const task = tasks.find((t) => Math.abs(t.start - start) <= 1 && t.duration >= 0.9 * duration);
      return task ? task.cpu : null;
    };
    const cpuIn = (from, to) => {
      const overlapping = tasks.filter((t) => t.start < to && t.start + t.duration > from);
      return overlapping.length ? overlapping.reduce((sum, t) => sum + t.cpu, 0) : null;
    };
    const lastTask = Math.max(...tasks.map((t) => t.start + t.duration));
    return { cpuOfTask, cpuIn, lastTask };
  };
}

/** Waits until the status line leaves "starting"; returns its state and texts. */
export async function waitForStartup(page, timeout = 240_000) {
  const status = page.locator('[data-testid="probe-status"]:not([data-state="starting"])');
  await status.waitFor({ timeout });
  return {
    state: await status.getAttribute("data-state"),
    text: await status.innerText(),
    kind: await page.locator('[data-testid="backend-kind"]').innerText(),
    adapter: await page.locator('[data-testid="adapter-name"]').innerText(),
  };
}

/** Takes a screenshot into build/e2e/NAME.png and returns how much of it has content. */
export async function screenshot(page, name) {
  await mkdir(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return { path, ...inkStats(readFileSync(path)) };
}

/**
 * Fraction of pixels that differ clearly from the background (the most common colour),
 * and the number of distinct colours (quantised to 4 bits per channel).
 */
export function inkStats(pngBytes) {
  const png = PNG.sync.read(pngBytes);
  const counts = new Map();
  const { data } = png;
  const key = (i) => ((data[i] >> 4) << 8) | ((data[i + 1] >> 4) << 4) | (data[i + 2] >> 4);
  for (let i = 0; i < data.length; i += 4) counts.set(key(i), (counts.get(key(i)) || 0) + 1);
  let background = 0;
  let most = -1;
  for (const [k, n] of counts) if (n > most) [background, most] = [k, n];
  const pixels = data.length / 4;
  return {
    width: png.width,
    height: png.height,
    ink: 1 - most / pixels,
    colours: counts.size,
    background,
  };
}
