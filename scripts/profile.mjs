// Where the page's thread spends its time during a benchmark run: opens the bench build
// (`make bench` makes build/bench-dist/) in headless Chromium under the DevTools sampling
// profiler and prints the functions with the most self time and the most total time (wasm
// functions by their Rust names: trunk's release build keeps the name section).
//
// Usage: node scripts/profile.mjs <bench dist dir> [page query] [top N]
//   e.g. node scripts/profile.mjs build/bench-dist "?backend=webgpu&workloads=mlp-64&steps=20#/bench"
// The build is served cross-origin isolated, so `threads=N` in the query works; the engine's
// own threads are profiled by scripts/profile-workers.mjs.
// The full profile goes to build/bench/profile.cpuprofile (open it in Chrome's DevTools).
import { mkdirSync, writeFileSync } from "node:fs";
import { openPage } from "../tests/e2e/browser.js";
import { benchReport, openBench } from "./bench-page.mjs";

const { query, top, server, browser } = await openBench(
  "profile.mjs",
  "?backend=webgpu&workloads=mlp-64&steps=20#/bench",
  "30",
);
try {
  const { page, errors } = await openPage(browser);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 500 });
  await cdp.send("Profiler.start");
  const begin = Date.now();
  await page.goto(server.url + query);
  const report = await benchReport(page);
  const { profile } = await cdp.send("Profiler.stop");
  const wall = Date.now() - begin;
  mkdirSync("build/bench", { recursive: true });
  writeFileSync("build/bench/profile.cpuprofile", JSON.stringify(profile));

  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const name = (n) => n.callFrame.functionName || `(${n.callFrame.url.split("/").pop() || "anonymous"})`;
  const self = new Map();
  const total = new Map();
  profile.samples.forEach((id, i) => {
    const ms = profile.timeDeltas[i] / 1000;
    self.set(name(nodes.get(id)), (self.get(name(nodes.get(id))) || 0) + ms);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const f = name(nodes.get(cur));
      if (!seen.has(f)) total.set(f, (total.get(f) || 0) + ms);
      seen.add(f);
    }
  });
  const list = (m) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([f, ms]) => `${ms.toFixed(0).padStart(8)} ms  ${f.slice(0, 140)}`)
      .join("\n");
  const idle = self.get("(idle)") || 0;
  console.log(`${query}: ${(wall / 1000).toFixed(1)} s from navigation to the report; page thread idle ${(idle / 1000).toFixed(1)} s`);
  for (const r of report.results || []) {
    console.log(`  ${r.workload}: ${Math.round(r.samples_per_s)} samples/s, first step ${Math.round(r.first_step_ms)} ms`);
  }
  console.log(`\nSelf time\n${list(self)}\n\nTotal time (self and callees)\n${list(total)}`);
  if (errors.length) console.log(`\nconsole errors: ${errors.join("; ")}`);
} finally {
  await browser.close();
  await server.close();
}
